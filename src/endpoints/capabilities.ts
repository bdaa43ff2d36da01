/** What each endpoint type can do, read from its registry entry (paths and flags live there). */
import type { EndpointType } from "../protocol/endpoint-types.ts";
import { ENDPOINTS } from "./registry.ts";

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
