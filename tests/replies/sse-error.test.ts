import { describe, expect, test } from "bun:test";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { type ParseContext, parseRecord } from "../../src/replies/parse-record.ts";
import { sseError } from "../../src/replies/sse-error.ts";
import { chatEvent, streamed } from "./support.ts";

const pc: ParseContext = {
  endpointType: "chat",
  counter: whitespaceCounter,
  processorId: "record-processor:0",
  dataset: { inputTokens: () => 1, conversationId: (c) => `conv-${c}` },
};

describe("errors inside a 200 event stream", () => {
  test("a data error object mid-stream makes an error record with the server's message and status", () => {
    const { raw, chunks } = streamed([
      { text: chatEvent({ content: "Hello" }), ns: 1 },
      { text: `data: ${JSON.stringify({ error: { message: "model overloaded", code: 503 } })}\n\n`, ns: 2 },
      { text: "data: [DONE]\n\n", ns: 3 },
    ]);
    const r = parseRecord(raw, chunks, pc);
    expect(r.error).toEqual({ code: 503, type: "SSEResponseError", message: "Error occurred in SSE response: model overloaded" });
  });

  test("codes that are not HTTP statuses become 502; string errors and `event: error` count too", () => {
    expect(sseError(JSON.stringify({ error: { message: "bad", code: "internal" } }), undefined)?.code).toBe(502);
    expect(sseError(JSON.stringify({ error: "boom" }), undefined)?.message).toBe("Error occurred in SSE response: boom");
    expect(sseError("upstream went away", "error")).toEqual({
      code: 502,
      type: "SSEResponseError",
      message: "Error occurred in SSE response: upstream went away",
    });
    expect(sseError("", "error")?.message).toContain("Unknown error");
  });

  test("a null or absent error, or the word inside content, is no error", () => {
    expect(sseError(JSON.stringify({ choices: [], error: null }), undefined)).toBeNull();
    expect(sseError(chatEvent({ content: 'he said "error" twice' }).slice(6), undefined)).toBeNull();
    expect(sseError('not json "error"', undefined)).toBeNull();
  });

  test("invalid JSON data lines inside a good stream: still valid, counted on the record", () => {
    const { raw, chunks } = streamed([
      { text: chatEvent({ content: "Hello" }), ns: 1 },
      { text: 'data: {not json\n\ndata: {"choices": [\n\n', ns: 2 },
      { text: chatEvent({ content: " world" }), ns: 3 },
    ]);
    const r = parseRecord(raw, chunks, pc);
    expect(r.error).toBeNull();
    expect(r.outputTokens).toBe(2);
    expect(r.invalidSseLines).toBe(2);
  });

  test("a clean stream has no count", () => {
    const { raw, chunks } = streamed([{ text: chatEvent({ content: "Hello" }) + "data: [DONE]\n\n", ns: 1 }]);
    expect(parseRecord(raw, chunks, pc).invalidSseLines).toBeUndefined();
  });
});
