/**
 * OpenAI Responses (aiperf-features §2.2): `input` items with typed parts and `max_output_tokens`.
 * A stream is typed events: text in `response.output_text.delta`, reasoning in the reasoning
 * deltas, usage on `response.completed`. A whole reply lists `output` items; only the SDKs add
 * the `output_text` convenience field, so it is read when present and rebuilt otherwise.
 */
import { audioPart } from "./chat.ts";
import { isObject, readJson, str, textResponse, withUsage } from "./json.ts";
import type { Endpoint, ParsedResponse, Skip } from "./types.ts";

export const responses: Endpoint = {
  name: "responses",
  defaultPath: "/v1/responses",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn, opts) {
    const content = [
      ...turn.texts.map((text) => ({ type: "input_text", text })),
      ...(turn.images ?? []).map((url) => ({ type: "input_image", image_url: url })),
      ...(turn.audios ?? []).map(audioPart),
    ];
    const body: Record<string, unknown> = { model: turn.model, input: [{ role: turn.role ?? "user", content }], stream: opts.streaming };
    if (turn.maxTokens !== null) body.max_output_tokens = turn.maxTokens;
    return body;
  },
  parseResponse: parseResponses,
};

const REASONING_DELTAS = new Set(["response.reasoning_text.delta", "response.reasoning_summary_text.delta"]);

function parseResponses(payload: string): ParsedResponse | Skip {
  const read = readJson(payload);
  if ("skip" in read) return read;
  const value = read.value;
  if (!isObject(value)) return { skip: "unknown-object", detail: "not a JSON object" };
  if (value.object === "response") return wholeResponse(value);
  const type = str(value.type);
  if (type === "response.output_text.delta") return textResponse(str(value.delta));
  if (REASONING_DELTAS.has(type)) return textResponse("", str(value.delta));
  if (type === "response.completed") return withUsage({ skip: "no-content" }, isObject(value.response) ? value.response.usage : undefined);
  // Lifecycle events (created, output_item.added, *.done, completed) repeat or frame the text.
  if (type.startsWith("response.")) return { skip: "no-content" };
  return { skip: "unknown-object", detail: `type "${type}"` };
}

function wholeResponse(value: Record<string, unknown>): ParsedResponse | Skip {
  let text = typeof value.output_text === "string" ? value.output_text : "";
  let reasoning = "";
  for (const item of Array.isArray(value.output) ? value.output : []) {
    if (!isObject(item)) continue;
    const parts = [...(Array.isArray(item.content) ? item.content : []), ...(item.type === "reasoning" && Array.isArray(item.summary) ? item.summary : [])];
    for (const part of parts) {
      if (!isObject(part)) continue;
      if (item.type === "message" && part.type === "output_text" && typeof value.output_text !== "string") text += str(part.text);
      else if (item.type === "reasoning") reasoning += str(part.text);
    }
  }
  return withUsage(textResponse(text, reasoning), value.usage);
}
