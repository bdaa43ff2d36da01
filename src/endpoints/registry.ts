/**
 * Every endpoint type's module, by name; the dataset and record-processor dispatch through it.
 * Built-ins are registered here the way a plugin registers its own (plugins/load.ts), so the
 * `Endpoint` interface is the one both go through.
 */
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

const ENDPOINTS = new Map<string, Endpoint>();
/** Where each name came from: "built-in" or the plugin file that registered it. */
const ORIGINS = new Map<string, string>();

/** Adds an endpoint type; a name already taken is refused (a plugin cannot replace a built-in). */
export function registerEndpoint(endpoint: Endpoint, origin = "built-in"): void {
  const taken = ORIGINS.get(endpoint.name);
  if (taken !== undefined) throw new Error(`endpoint type "${endpoint.name}" is already registered (by ${taken})`);
  ENDPOINTS.set(endpoint.name, endpoint);
  ORIGINS.set(endpoint.name, origin);
}

for (const e of [
  chat,
  completions,
  embeddings,
  rankings,
  huggingfaceGenerate,
  cohereRankings,
  hfTeiRankings,
  nimEmbeddings,
  messages,
  responses,
  imageGeneration,
  audioTranscription,
  raw,
  template,
  nimRankings,
  chatEmbeddings,
  imageEdit,
]) {
  registerEndpoint(e);
}

/** Every registered name with its origin, in registration order (built-ins first). */
export function endpointTypes(): { name: string; origin: string }[] {
  return [...ORIGINS].map(([name, origin]) => ({ name, origin }));
}

export function isEndpointType(name: string): boolean {
  return ENDPOINTS.has(name);
}

/** The endpoint registered as `type`; an unknown name is a programming or wiring error here (config checked it). */
export function endpointFor(type: string): Endpoint {
  const e = ENDPOINTS.get(type);
  if (e === undefined) throw new Error(`unknown endpoint type "${type}" (is the plugin that registers it loaded?)`);
  return e;
}

/** The path requests go to when no --custom-endpoint is given. */
export function endpointPath(type: string, streaming: boolean): string {
  const e = endpointFor(type);
  return streaming && e.streamPath !== undefined ? e.streamPath : e.defaultPath;
}

/** The body of one turn, --extra-inputs merged last so they override generated keys. */
export function buildRequestBody(
  type: string,
  turn: Parameters<Endpoint["buildBody"]>[0],
  opts: BuildOptions,
  extras: readonly [string, unknown][],
): Record<string, unknown> {
  const e = endpointFor(type);
  const body = e.buildBody(turn, { ...opts, extras });
  if (e.mergeExtras !== undefined) e.mergeExtras(body, extras);
  else for (const [key, value] of extras) body[key] = value;
  return body;
}
