/**
 * Anthropic Messages (aiperf-features §2.2): `max_tokens` is required at the top level, the key
 * goes in `x-api-key` with an `anthropic-version`, and a stream is typed events whose text comes
 * in `content_block_delta` (`text_delta`, or `thinking_delta` for extended thinking).
 */
import { isObject, readJson, str, textResponse, withUsage } from "./json.ts";
import type { Endpoint, ParsedResponse, Skip } from "./types.ts";

const ANTHROPIC_VERSION = "2023-06-01";
/** Sent when the turn has no limit, as the API refuses a request without one. */
const DEFAULT_MAX_TOKENS = 1024;

export const messages: Endpoint = {
  name: "messages",
  defaultPath: "/v1/messages",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn, opts) {
    const images = (turn.images ?? []).map(imageBlock);
    const content = turn.texts.length === 1 && images.length === 0 ? turn.texts[0] : [...turn.texts.map((text) => ({ type: "text", text })), ...images];
    return { model: turn.model, max_tokens: turn.maxTokens ?? DEFAULT_MAX_TOKENS, messages: [{ role: turn.role ?? "user", content }], stream: opts.streaming };
  },
  parseResponse: parseMessages,
  headers(apiKey) {
    const h: Record<string, string> = { "anthropic-version": ANTHROPIC_VERSION };
    if (apiKey !== "") h["x-api-key"] = apiKey;
    return h;
  },
};

/** Data URIs become base64 sources; anything else is passed as a URL source. */
function imageBlock(url: string): Record<string, unknown> {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return { type: "image", source: m === null ? { type: "url", url } : { type: "base64", media_type: m[1], data: m[2] } };
}

function parseMessages(payload: string): ParsedResponse | Skip {
  const read = readJson(payload);
  if ("skip" in read) return read;
  const value = read.value;
  if (!isObject(value)) return { skip: "unknown-object", detail: "not a JSON object" };
  switch (value.type) {
    case "content_block_delta": {
      const delta = isObject(value.delta) ? value.delta : {};
      if (delta.type === "text_delta") return textResponse(str(delta.text));
      if (delta.type === "thinking_delta") return textResponse("", str(delta.thinking));
      return { skip: "no-content" }; // signature and tool-input deltas carry no output text
    }
    case "message": {
      let text = "";
      let thinking = "";
      for (const block of Array.isArray(value.content) ? value.content : []) {
        if (!isObject(block)) continue;
        if (block.type === "text") text += str(block.text);
        else if (block.type === "thinking") thinking += str(block.thinking);
      }
      return withUsage(textResponse(text, thinking), value.usage);
    }
    // Input tokens come on message_start, the output count on message_delta.
    case "message_start":
      return withUsage({ skip: "no-content" }, isObject(value.message) ? value.message.usage : undefined);
    case "message_delta":
      return withUsage({ skip: "no-content" }, value.usage);
    case "content_block_start":
    case "content_block_stop":
    case "message_stop":
    case "ping":
      return { skip: "no-content" };
    default:
      return { skip: "unknown-object", detail: `type "${String(value.type)}"` };
  }
}
