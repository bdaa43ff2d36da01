/**
 * The endpoint types every role agrees on (aiperf-features §2.1, §2.2). Each has a module under
 * src/endpoints/ and a line in its registry; paths and flags live there.
 */
import { ENDPOINTS } from "../endpoints/registry.ts";

export const ENDPOINT_TYPES = [
  "chat",
  "completions",
  "embeddings",
  "rankings",
  "huggingface_generate",
  "cohere_rankings",
  "hf_tei_rankings",
  "nim_embeddings",
  "messages",
  "responses",
  "image_generation",
  "audio_transcription",
  "raw",
  "template",
  "nim_rankings",
  "chat_embeddings",
  "image_edit",
] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Endpoints whose replies are generated tokens (so ISL/OSL/TTFT apply). */
export function producesTokens(type: EndpointType): boolean {
  return ENDPOINTS[type].producesTokens;
}

/** Endpoints whose prompt is tokenized, so ISL applies: token producers and image_generation. */
export function tokenizesInput(type: EndpointType): boolean {
  return ENDPOINTS[type].tokenizesInput ?? ENDPOINTS[type].producesTokens;
}

/** Endpoints that can stream. */
export function streams(type: EndpointType): boolean {
  return ENDPOINTS[type].streams;
}

/** Rankings types send a query plus passages per turn. */
export function isRanking(type: EndpointType): boolean {
  return ENDPOINTS[type].category === "rankings";
}

/** "llm", "embeddings" or "rankings", for titles and shapes shared by several types. */
export function endpointCategory(type: string): string | undefined {
  return (ENDPOINTS as Record<string, { category: string } | undefined>)[type]?.category;
}
