/**
 * OpenAI image generation, `/v1/images/generations` (aiperf-features §2.2): the turn's first text
 * is the prompt; `response_format` b64_json and `n` 1 by default (SGLang serves only b64_json),
 * `stream` only when streaming; size, quality and the rest come from --extra-inputs. A reply lists
 * its images under `data`; a stream sends one event per image with `b64_json` at the top level
 * (partial images count as responses, not as images).
 */
import { isObject, readJson, withUsage } from "./json.ts";
import type { Endpoint, ParsedResponse, Skip } from "./types.ts";

export const imageGeneration: Endpoint = {
  name: "image_generation",
  defaultPath: "/v1/images/generations",
  category: "images",
  streams: true,
  producesTokens: false,
  // Upstream counts the prompt's tokens as ISL (its image_generation tutorial output shows it).
  tokenizesInput: true,
  buildBody(turn, opts) {
    const body: Record<string, unknown> = { prompt: turn.texts[0] ?? "", model: turn.model, response_format: "b64_json", n: 1 };
    if (opts.streaming) body.stream = true;
    return body;
  },
  parseResponse: parseImages,
};

export function parseImages(payload: string): ParsedResponse | Skip {
  const read = readJson(payload);
  if ("skip" in read) return read;
  const value = read.value;
  if (!isObject(value)) return { skip: "unknown-object", detail: "not a JSON object" };
  if ("b64_json" in value) {
    const partial = typeof value.type === "string" ? value.type.endsWith("partial_image") : value.partial_image_index !== undefined;
    return withUsage({ kind: "images", count: partial ? 0 : 1 }, value.usage);
  }
  if (Array.isArray(value.data)) return withUsage({ kind: "images", count: value.data.filter(isObject).length }, value.usage);
  return { skip: "unknown-object", detail: "neither data nor b64_json" };
}
