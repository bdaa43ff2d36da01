/** Every endpoint type's module, by name; the dataset and record-processor dispatch through it. */
import type { EndpointType } from "../protocol/endpoint-types.ts";
import { chat } from "./chat.ts";
import { completions } from "./completions.ts";
import { embeddings, nimEmbeddings } from "./embeddings.ts";
import { huggingfaceGenerate } from "./huggingface-generate.ts";
import { messages } from "./messages.ts";
import { responses } from "./responses.ts";
import { audioTranscription } from "./audio-transcription.ts";
import { imageGeneration } from "./image-generation.ts";
import { raw } from "./raw.ts";
import { template } from "./template.ts";
import { cohereRankings, hfTeiRankings, rankings } from "./rankings.ts";
import type { BuildOptions, Endpoint } from "./types.ts";
import { chatEmbeddings, imageEdit, nimRankings } from "./upstream-types.ts";

export const ENDPOINTS: Record<EndpointType, Endpoint> = {
  chat,
  completions,
  embeddings,
  rankings,
  huggingface_generate: huggingfaceGenerate,
  cohere_rankings: cohereRankings,
  hf_tei_rankings: hfTeiRankings,
  nim_embeddings: nimEmbeddings,
  messages,
  responses,
  image_generation: imageGeneration,
  audio_transcription: audioTranscription,
  raw,
  template,
  nim_rankings: nimRankings,
  chat_embeddings: chatEmbeddings,
  image_edit: imageEdit,
};

export function endpointFor(type: EndpointType): Endpoint {
  return ENDPOINTS[type];
}

/** The path requests go to when no --custom-endpoint is given. */
export function endpointPath(type: EndpointType, streaming: boolean): string {
  const e = ENDPOINTS[type];
  return streaming && e.streamPath !== undefined ? e.streamPath : e.defaultPath;
}

/** The body of one turn, --extra-inputs merged last so they override generated keys. */
export function buildRequestBody(type: EndpointType, turn: Parameters<Endpoint["buildBody"]>[0], opts: BuildOptions, extras: readonly [string, unknown][]): Record<string, unknown> {
  const e = ENDPOINTS[type];
  const body = e.buildBody(turn, { ...opts, extras });
  if (e.mergeExtras !== undefined) e.mergeExtras(body, extras);
  else for (const [key, value] of extras) body[key] = value;
  return body;
}
