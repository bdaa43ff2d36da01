/**
 * The assistant's reply text out of a captured response, for a multi-turn session's history.
 * This is the one place the worker reads a response body, and only for multi-turn sessions:
 * single-turn requests keep the capture-only path. Pure, so it is tested without a server.
 */

const decoder = new TextDecoder();

/** The reply text of an SSE stream (content deltas joined) or of a JSON body; "" when there is none. */
export function replyText(contentType: string, chunks: readonly Uint8Array[]): string {
  const text = joinText(chunks);
  if (contentType.toLowerCase().includes("text/event-stream")) return sseReply(text);
  const parsed = parseJson(text);
  return parsed === undefined ? "" : choiceText(parsed, "message");
}

function sseReply(text: string): string {
  let out = "";
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") continue;
    const parsed = parseJson(data);
    if (parsed !== undefined) out += choiceText(parsed, "delta");
  }
  return out;
}

/**
 * Chat puts the text at choices[0].message|delta.content, completions at choices[0].text;
 * Anthropic messages (also a `messages` body) at content[].text, streamed as text_delta events;
 * OpenAI Responses in output_text parts, streamed as response.output_text.delta events.
 */
function choiceText(payload: unknown, key: "message" | "delta"): string {
  if (typeof payload !== "object" || payload === null) return "";
  const choices = (payload as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return anthropicText(payload as Record<string, unknown>);
  const first = choices[0] as Record<string, unknown> | undefined;
  if (typeof first !== "object" || first === null) return "";
  const holder = first[key] as { content?: unknown } | undefined;
  if (typeof holder?.content === "string") return holder.content;
  return typeof first.text === "string" ? first.text : "";
}

function anthropicText(payload: Record<string, unknown>): string {
  if (payload.type === "response.output_text.delta") return typeof payload.delta === "string" ? payload.delta : "";
  if (payload.object === "response") return responsesText(payload);
  const delta = payload.delta as { type?: unknown; text?: unknown } | undefined;
  if (payload.type === "content_block_delta") return delta?.type === "text_delta" && typeof delta.text === "string" ? delta.text : "";
  if (!Array.isArray(payload.content)) return "";
  return (payload.content as { type?: unknown; text?: unknown }[]).map((b) => (b?.type === "text" && typeof b.text === "string" ? b.text : "")).join("");
}

/** OpenAI Responses: the SDK's output_text, else the output_text parts of its message items. */
function responsesText(payload: Record<string, unknown>): string {
  if (typeof payload.output_text === "string") return payload.output_text;
  let out = "";
  for (const item of Array.isArray(payload.output) ? (payload.output as Record<string, unknown>[]) : []) {
    if (item?.type !== "message" || !Array.isArray(item.content)) continue;
    for (const part of item.content as { type?: unknown; text?: unknown }[])
      if (part?.type === "output_text" && typeof part.text === "string") out += part.text;
  }
  return out;
}

/** The id of an OpenAI Responses reply (a whole `response`, or the one a stream's events carry), for previous_response_id. */
export function replyId(contentType: string, chunks: readonly Uint8Array[]): string | undefined {
  const text = joinText(chunks);
  const payloads = contentType.toLowerCase().includes("text/event-stream")
    ? text
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
    : [text];
  let id: string | undefined;
  for (const data of payloads) {
    const value = parseJson(data) as Record<string, unknown> | undefined;
    if (typeof value !== "object" || value === null) continue;
    const response = value.object === "response" ? value : (value.response as Record<string, unknown> | undefined);
    if (typeof response?.id === "string" && response.object === "response") id = response.id;
  }
  return id;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function joinText(chunks: readonly Uint8Array[]): string {
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const stream = new TextDecoder();
  let out = "";
  for (const c of chunks) out += stream.decode(c, { stream: true });
  return out + stream.decode();
}
