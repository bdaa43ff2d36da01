/** What each endpoint type can do, read from its registry entry (paths and flags live there). */
import { endpointFor, isEndpointType } from "./registry.ts";

/** Endpoints whose replies are generated tokens (so ISL/OSL/TTFT apply). */
export function producesTokens(type: string): boolean {
  return endpointFor(type).producesTokens;
}

/** Endpoints whose prompt is tokenized, so ISL applies: token producers and image_generation. */
export function tokenizesInput(type: string): boolean {
  const e = endpointFor(type);
  return e.tokenizesInput ?? e.producesTokens;
}

/** Endpoints that can stream. */
export function streams(type: string): boolean {
  return endpointFor(type).streams;
}

/** Rankings types send a query plus passages per turn. */
export function isRanking(type: string): boolean {
  return endpointFor(type).category === "rankings";
}

/** "llm", "embeddings" or "rankings", for titles and shapes shared by several types. */
export function endpointCategory(type: string): string | undefined {
  return isEndpointType(type) ? endpointFor(type).category : undefined;
}
