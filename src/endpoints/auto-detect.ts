/**
 * Response parsing for APIs we have no module for (raw and template endpoints, aiperf-features
 * §2.2): embeddings, then rankings, then text in the common shapes (`text`, `content`, `response`,
 * `output`, `result`, OpenAI choices), as upstream's auto-detection does; or the value at the
 * `response_field` path, typed by its shape. A body that is not JSON is its own text.
 */
import { isObject, readJson, str, textResponse, withUsage } from "./json.ts";
import type { ParsedResponse, Skip } from "./openai-parse.ts";
import { compileFieldPath, searchField } from "./response-field.ts";

type FieldMode = "fallback" | "strict";

/**
 * One payload. With a field path, `strict` (template) makes a miss a skip; `fallback` (raw) then
 * tries auto-detection, as upstream's two endpoints differ.
 */
export function parseDetected(payload: string, responseField: string | undefined, mode: FieldMode): ParsedResponse | Skip {
  const read = readJson(payload);
  // A body that is not JSON is its own text.
  if ("skip" in read) return read.skip === "invalid-json" ? textResponse(payload.trim()) : read;
  const { value } = read;
  const usage = isObject(value) ? value.usage : undefined;
  if (responseField !== undefined && responseField !== "") {
    const found = fromValue(searchField(compileFieldPath(responseField), value));
    if (found !== undefined) return withUsage(found, usage);
    if (mode === "strict") return withUsage({ skip: "no-content", detail: `response_field "${responseField}" matched nothing` }, usage);
  }
  return withUsage(autoDetect(value) ?? { skip: "no-content" }, usage);
}

/** Upstream's order: embeddings, rankings, text; a non-object is typed by its shape. */
function autoDetect(value: unknown): ParsedResponse | undefined {
  if (!isObject(value)) return fromValue(value);
  const data = value.data;
  if (Array.isArray(data) && isObject(data[0]) && data[0].object === "embedding") {
    const count = data.filter((d) => isObject(d) && "embedding" in d).length;
    if (count > 0) return { kind: "embeddings", count };
  }
  for (const key of ["embeddings", "embedding"]) {
    const v = value[key];
    if (Array.isArray(v) && v.length > 0) {
      if (typeof v[0] === "number") return { kind: "embeddings", count: 1 };
      if (Array.isArray(v[0])) return { kind: "embeddings", count: v.length };
    }
  }
  for (const key of ["rankings", "results"]) {
    const v = value[key];
    if (Array.isArray(v)) return { kind: "rankings", count: v.length };
  }
  return textOf(value);
}

function textOf(value: Record<string, unknown>): ParsedResponse | undefined {
  for (const key of ["text", "content", "response", "output", "result"]) {
    const v = value[key];
    if (typeof v === "string") return nonEmpty(v);
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return nonEmpty(v.join(""));
  }
  const choices = value.choices;
  const first: unknown = Array.isArray(choices) ? choices[0] : undefined;
  if (!isObject(first)) return undefined;
  if (str(first.text) !== "") return nonEmpty(str(first.text));
  for (const holder of [first.message, first.delta]) {
    if (isObject(holder) && str(holder.content) !== "") return nonEmpty(str(holder.content));
  }
  return undefined;
}

function nonEmpty(text: string): ParsedResponse | undefined {
  return text === "" ? undefined : { kind: "text", text, reasoning: "" };
}

/** A found value by its shape: numbers → one embedding, lists of lists → embeddings, objects → rankings, a string → text. */
function fromValue(value: unknown): ParsedResponse | undefined {
  if (typeof value === "string") return nonEmpty(value);
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const first: unknown = value[0];
  if (typeof first === "number") return { kind: "embeddings", count: 1 };
  if (Array.isArray(first) && typeof first[0] === "number") return { kind: "embeddings", count: value.length };
  if (isObject(first)) return { kind: "rankings", count: value.length };
  if (typeof first === "string" && value.every((x) => typeof x === "string")) return nonEmpty(value.join(""));
  return undefined;
}
