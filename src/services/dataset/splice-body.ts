/**
 * Request bodies spliced from bytes: a turn whose only text comes as JSON-escaped UTF-8 ranges
 * (Turn.textSpans, trace prompts from hash_ids blocks) gets its body as the pieces of a skeleton
 * (the body built with a marker for the text, stringified once per model/max_tokens/role,
 * split where the marker was) with the text's bytes between every two pieces. Byte for byte
 * what JSON.stringify of the real body gives (tests/dataset/splice-body.test.ts), without a
 * million multi-KB strings to stringify and encode. The same is done for the body as inputs.json
 * shows it (indented, 8 spaces in).
 */
import type { EndpointType } from "../../protocol/endpoint-types.ts";

/**
 * Types whose bodies carry the text verbatim (template renders it through filters, raw sends
 * stored payloads); others are built the usual way.
 */
export const SPLICEABLE: ReadonlySet<EndpointType> = new Set<EndpointType>([
  "chat",
  "completions",
  "embeddings",
  "nim_embeddings",
  "rankings",
  "cohere_rankings",
  "hf_tei_rankings",
  "huggingface_generate",
  "messages",
  "responses",
  "image_generation",
]);

/** ASCII that JSON leaves as is and no generated key or value contains. */
const MARKER = "aiperf-spliced-text-7f3c9d1e";

/** Skeletons kept (one per distinct model, max_tokens and role); the cache is emptied when full. */
const MAX_SKELETONS = 4096;

/**
 * A body's pieces around its text, compact (dataset.bin) and as indented in inputs.json: the
 * body is piece 0, the text, piece 1, …, the text, the last piece. The pieces are cached and
 * shared: never modify them.
 */
export type Skeleton = { body: readonly Uint8Array[]; indented: readonly Uint8Array[] };

type BodySplicer = (key: string, maxTokens: number | null, build: (text: string) => Record<string, unknown>) => Skeleton | null;

/** Indentation of a payload's lines in inputs.json. */
const INDENT = "\n        ";

/**
 * `key` and `maxTokens` name everything but the text that `build` puts in the body (two levels
 * of lookup: no key string is built per turn for max_tokens, which varies by line in a trace;
 * callers reuse one key string while model and role stay the same). Returns the body's skeleton,
 * or null when the built body does not contain the marker (e.g. --extra-inputs replaced the
 * messages): then the caller builds the real body.
 */
export function createBodySplicer(): BodySplicer {
  const encoder = new TextEncoder();
  const skeletons = new Map<string, Map<number | null, Skeleton | null>>();
  let cached = 0;
  const skeletonOf = (build: (text: string) => Record<string, unknown>): Skeleton | null => {
    const body = build(MARKER);
    const pieces = JSON.stringify(body).split(MARKER);
    if (pieces.length < 2) return null;
    const indented = JSON.stringify(body, null, 2).replaceAll("\n", INDENT).split(MARKER);
    return { body: pieces.map((piece) => encoder.encode(piece)), indented: indented.map((piece) => encoder.encode(piece)) };
  };
  return (key, maxTokens, build) => {
    let byMax = skeletons.get(key);
    if (byMax === undefined) {
      byMax = new Map();
      skeletons.set(key, byMax);
    }
    let skeleton = byMax.get(maxTokens);
    if (skeleton === undefined) {
      skeleton = skeletonOf(build);
      if (cached >= MAX_SKELETONS) {
        skeletons.clear();
        cached = 0;
        byMax = new Map();
        skeletons.set(key, byMax);
      }
      byMax.set(maxTokens, skeleton);
      cached++;
    }
    return skeleton;
  };
}
