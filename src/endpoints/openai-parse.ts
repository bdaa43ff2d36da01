/**
 * What one OpenAI-style response object says, per upstream's parser (aiperf-features §2.1):
 * dispatch on `object`; chat chunks and completions carry text and reasoning; an embeddings list
 * or a rankings reply is one response without text. Chunks with nothing in them (the role-only
 * first delta, empty deltas, usage-only chunks) are not responses: TTFT and latency skip them.
 */

import { isObject, type Json, readJson, str } from "./json.ts";
import type { ParsedResponse, Skip } from "./parsed.ts";
import { readUsage } from "./usage.ts";

export type { ParsedResponse, Skip } from "./parsed.ts";

/** Parses one SSE data payload or one whole JSON body (without its usage). */
export function parsePayload(payload: string): ParsedResponse | Skip {
  return parseOpenAi(payload, false);
}

/** As parsePayload, with the payload's `usage` attached when it reports one. */
export function parseOpenAi(payload: string, withUsage = true): ParsedResponse | Skip {
  const read = readJson(payload);
  if ("skip" in read) return read;
  const { value } = read;
  const parsed = parseObject(value);
  if (withUsage && isObject(value)) {
    // Gemini's native replies carry `usageMetadata` instead of `usage`.
    const usage = readUsage(value.usage ?? value.usageMetadata);
    if (usage !== undefined) parsed.usage = usage;
  }
  return parsed;
}

/** Dispatches on `object`; without one (some servers omit it) the shape decides. */
export function parseObject(value: unknown): ParsedResponse | Skip {
  if (!isObject(value)) return { skip: "unknown-object", detail: "not a JSON object" };
  switch (value.object) {
    case "chat.completion":
      return fromMessage(firstChoice(value)?.message);
    case "chat.completion.chunk":
      return fromMessage(firstChoice(value)?.delta);
    case "completion":
    case "text_completion":
      return fromText(firstChoice(value)?.text);
    case "list":
      return fromEmbeddings(value.data);
    case "response":
      return fromText(value.output_text);
    case undefined:
      return byShape(value);
    default:
      return { skip: "unknown-object", detail: `object "${String(value.object)}"` };
  }
}

function byShape(value: Json): ParsedResponse | Skip {
  if (Array.isArray(value.rankings)) return value.rankings.length > 0 ? { kind: "rankings", count: value.rankings.length } : { skip: "no-content" };
  const choice = firstChoice(value);
  if (choice !== undefined) {
    if (isObject(choice.delta)) return fromMessage(choice.delta);
    if (isObject(choice.message)) return fromMessage(choice.message);
    if ("text" in choice) return fromText(choice.text);
  }
  if (Array.isArray(value.choices)) return { skip: "no-content" }; // e.g. a usage-only chunk
  if (Array.isArray(value.data)) return fromEmbeddings(value.data);
  return { skip: "unknown-object", detail: "no object field and no known shape" };
}

function firstChoice(value: Json): Json | undefined {
  const choices = value.choices;
  if (!Array.isArray(choices)) return undefined;
  const first: unknown = choices[0];
  return isObject(first) ? first : undefined;
}

function fromMessage(message: unknown): ParsedResponse | Skip {
  if (!isObject(message)) return { skip: "no-content" };
  const text = str(message.content);
  const reasoning = str(message.reasoning_content) || str(message.reasoning);
  if (text === "" && reasoning === "") return { skip: "no-content" };
  return { kind: "text", text, reasoning };
}

function fromText(text: unknown): ParsedResponse | Skip {
  const t = str(text);
  return t === "" ? { skip: "no-content" } : { kind: "text", text: t, reasoning: "" };
}

/** Upstream accepts the list only when every item is an embedding. */
function fromEmbeddings(data: unknown): ParsedResponse | Skip {
  // An empty list still counts as one response, as upstream's all() over no items is true.
  if (!Array.isArray(data)) return { skip: "no-content" };
  for (const item of data) {
    if (!isObject(item) || (item.object !== undefined && item.object !== "embedding") || !hasVector(item.embedding)) {
      return { skip: "unknown-object", detail: "a list whose items are not all embeddings" };
    }
  }
  return { kind: "embeddings", count: data.length };
}

/** A float list, or a base64 string when the request asked for encoding_format=base64. */
function hasVector(v: unknown): boolean {
  return Array.isArray(v) || typeof v === "string";
}

export function isSkip(r: ParsedResponse | Skip): r is Skip {
  return "skip" in r;
}
