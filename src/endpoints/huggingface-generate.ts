/**
 * Hugging Face TGI `/generate` and `/generate_stream` (aiperf-features §2.2). Extra inputs are
 * generation parameters, so they go under `parameters`. A stream's events carry one `token`
 * each; the last one also repeats the whole `generated_text`, which must not be counted again.
 */
import { isObject, readJson, str, textResponse, withUsage } from "./json.ts";
import type { Endpoint, ParsedResponse, Skip } from "./types.ts";

export const huggingfaceGenerate: Endpoint = {
  name: "huggingface_generate",
  defaultPath: "/generate",
  streamPath: "/generate_stream",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn) {
    const parameters: Record<string, unknown> = {};
    if (turn.maxTokens !== null) parameters.max_new_tokens = turn.maxTokens;
    return { inputs: turn.texts.join(" "), parameters };
  },
  mergeExtras(body, extras) {
    const parameters = isObject(body.parameters) ? body.parameters : {};
    for (const [key, value] of extras) parameters[key] = value;
    body.parameters = parameters;
  },
  parseResponse: parseTgi,
};

function parseTgi(payload: string): ParsedResponse | Skip {
  const read = readJson(payload);
  if ("skip" in read) return read;
  // Non-streaming replies are an object or a one-item list.
  const value = Array.isArray(read.value) ? read.value[0] : read.value;
  if (!isObject(value)) return { skip: "unknown-object", detail: "not a JSON object" };
  // TGI reports only the generated count, in `details` (last stream event, or with details=true).
  const usage = isObject(value.details) ? { output_tokens: value.details.generated_tokens } : undefined;
  if (isObject(value.token)) return withUsage(value.token.special === true ? { skip: "no-content" } : textResponse(str(value.token.text)), usage);
  if ("generated_text" in value) return withUsage(textResponse(str(value.generated_text)), usage);
  return { skip: "unknown-object", detail: "neither token nor generated_text" };
}
