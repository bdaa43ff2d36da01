import { describe, expect, test } from "bun:test";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { type ParseContext, parseRecord } from "../../src/replies/parse-record.ts";
import { chatEvent, streamed } from "./support.ts";

function context(over: Partial<ParseContext> = {}): ParseContext & { skipped: string[] } {
  const skipped: string[] = [];
  return {
    endpointType: "chat",
    counter: whitespaceCounter,
    processorId: "record-processor:0",
    dataset: { inputTokens: () => 42, conversationId: (c) => `conv-${c}` },
    onSkip: (s) => skipped.push(s.skip),
    skipped,
    ...over,
  };
}

describe("raw capture → RequestRecord", () => {
  test("a chat stream: role-only, content, usage-only and [DONE]; only content chunks count", () => {
    const usage = `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: { completion_tokens: 3 } })}\n\n`;
    const { raw, chunks } = streamed([
      { text: chatEvent({ role: "assistant" }), ns: 3_000 },
      { text: chatEvent({ content: "Hello" }), ns: 4_000 },
      { text: chatEvent({ content: " big" }) + chatEvent({ content: " world" }), ns: 5_000 },
      { text: usage + "data: [DONE]\n\n", ns: 6_000 },
    ]);
    const r = parseRecord(raw, chunks, context());
    expect(r.error).toBeNull();
    expect(r.responseNs).toEqual([4_000, 5_000, 5_000]);
    // Latency ends at the last content chunk, not at the stream's close.
    expect(r.endNs).toBe(5_000);
    expect(r.outputTokens).toBe(3);
    expect(r.reasoningTokens).toBeNull();
    expect(r.inputTokens).toBe(42);
    expect(r.conversationId).toBe("conv-0");
    expect(r.recordProcessorId).toBe("record-processor:0");
    expect([r.startNs, r.ackNs, r.wallStartNs, r.xRequestId]).toEqual([raw.startNs, raw.ackNs, raw.wallStartNs, "req-1"]);
  });

  test("texts are joined before counting, so a word split across chunks counts once", () => {
    const { raw, chunks } = streamed([
      { text: chatEvent({ content: "hel" }), ns: 1 },
      { text: chatEvent({ content: "lo there" }), ns: 2 },
    ]);
    expect(parseRecord(raw, chunks, context()).outputTokens).toBe(2);
  });

  test("reasoning is counted apart from content", () => {
    const { raw, chunks } = streamed([
      { text: chatEvent({ reasoning_content: "let me think" }), ns: 1 },
      { text: chatEvent({ reasoning_content: " hard" }), ns: 2 },
      { text: chatEvent({ content: "42" }), ns: 3 },
    ]);
    const r = parseRecord(raw, chunks, context());
    expect([r.outputTokens, r.reasoningTokens, r.responseNs.length]).toEqual([1, 4, 3]);
  });

  test("an event split across reads is stamped at its first byte's read", () => {
    const event = chatEvent({ content: "abc" });
    const { raw, chunks } = streamed([
      { text: event.slice(0, 10), ns: 100 },
      { text: event.slice(10), ns: 200 },
    ]);
    expect(parseRecord(raw, chunks, context()).responseNs).toEqual([100]);
  });

  test("a non-200 status is an error with the reason phrase and the body", () => {
    const { raw, chunks } = streamed([{ text: '{"error":"overloaded"}', ns: 1 }], {
      status: 503,
      statusText: "Service Unavailable",
      contentType: "application/json",
    });
    const r = parseRecord(raw, chunks, context());
    expect(r.error).toEqual({ code: 503, type: "Service Unavailable", message: '{"error":"overloaded"}' });
    expect(r.responseNs).toEqual([]);
    expect(r.inputTokens).toBe(42);
  });

  test("a transport error passes through, cancellation fields too", () => {
    const error = { code: 499, type: "RequestCancellationError", message: "Request was cancelled after 0.050 seconds" };
    const { raw, chunks } = streamed([{ text: chatEvent({ content: "partial" }), ns: 1 }], { error, wasCancelled: true, cancellationNs: 77 });
    const r = parseRecord(raw, chunks, context());
    expect(r.error).toEqual(error);
    expect([r.wasCancelled, r.cancellationNs, r.endNs]).toEqual([true, 77, raw.endNs]);
  });

  test("garbage SSE is an error record, not a crash", () => {
    const { raw, chunks } = streamed([{ text: "data: {nope\n\ndata: <html>\n\n", ns: 1 }]);
    const ctx = context();
    const r = parseRecord(raw, chunks, ctx);
    expect(r.error).toMatchObject({ type: "InvalidInferenceResults" });
    expect(ctx.skipped).toEqual(["invalid-json", "invalid-json"]);
  });

  test("a 200 stream with only role and [DONE] chunks is InvalidInferenceResults", () => {
    const { raw, chunks } = streamed([{ text: chatEvent({ role: "assistant" }) + "data: [DONE]\n\n", ns: 1 }]);
    expect(parseRecord(raw, chunks, context()).error).toMatchObject({ code: null, type: "InvalidInferenceResults" });
    const empty = streamed([]);
    expect(parseRecord(empty.raw, empty.chunks, context()).error).toMatchObject({ code: null, type: "InvalidInferenceResults" });
  });

  test("keep-alive comments are no responses: alone they are 'Invalid inference results', between chunks they change nothing", () => {
    const alone = streamed([{ text: ": ping\n\n: ping\n\n", ns: 1 }]);
    expect(parseRecord(alone.raw, alone.chunks, context()).error).toEqual({
      code: null,
      type: "InvalidInferenceResults",
      message: "Invalid inference results",
    });
    const mixed = streamed([
      { text: ": ping\n\n", ns: 1_000 },
      { text: chatEvent({ content: "a b" }), ns: 2_000 },
      { text: ": ping\n\n" + chatEvent({ reasoning_content: "why" }), ns: 3_000 },
      { text: chatEvent({ content: " c" }) + ": ping\n\ndata: [DONE]\n\n", ns: 4_000 },
    ]);
    const r = parseRecord(mixed.raw, mixed.chunks, context({ captureText: true }));
    expect(r.error).toBeNull();
    expect(r.responseNs).toEqual([2_000, 3_000, 4_000]);
    expect([r.firstOutputNs, r.endNs, r.responseText, r.outputTokens, r.reasoningTokens]).toEqual([2_000, 4_000, "a b c", 3, 1]);
  });

  test("a JSON reply to a streaming request is one response stamped at the body's end", () => {
    const body = JSON.stringify({ object: "chat.completion", choices: [{ message: { role: "assistant", content: "one two three" } }] });
    const { raw, chunks } = streamed(
      [
        { text: body.slice(0, 20), ns: 10 },
        { text: body.slice(20), ns: 20 },
      ],
      { contentType: "application/json", endNs: 25 },
    );
    const r = parseRecord(raw, chunks, context());
    expect([r.responseNs, r.endNs, r.outputTokens]).toEqual([[25], 25, 3]);
  });

  test("completions text", () => {
    const ev = (t: string): string => `data: ${JSON.stringify({ object: "text_completion", choices: [{ text: t }] })}\n\n`;
    const { raw, chunks } = streamed([
      { text: ev("a b"), ns: 1 },
      { text: ev(" c"), ns: 2 },
    ]);
    const r = parseRecord(raw, chunks, context({ endpointType: "completions" }));
    expect([r.responseNs, r.outputTokens]).toEqual([[1, 2], 3]);
  });

  test("embeddings and rankings: one response, no output tokens", () => {
    const emb = JSON.stringify({ object: "list", data: [{ object: "embedding", embedding: [0.5] }] });
    const e = streamed([{ text: emb, ns: 1 }], { contentType: "application/json", endNs: 9 });
    const er = parseRecord(e.raw, e.chunks, context({ endpointType: "embeddings" }));
    expect([er.error, er.responseNs, er.outputTokens, er.reasoningTokens]).toEqual([null, [9], null, null]);
    const rk = streamed([{ text: JSON.stringify({ rankings: [{ index: 0, logit: 1 }] }), ns: 1 }], { contentType: "application/json", endNs: 8 });
    const rr = parseRecord(rk.raw, rk.chunks, context({ endpointType: "rankings" }));
    expect([rr.error, rr.responseNs, rr.outputTokens]).toEqual([null, [8], null]);
  });

  test("a dataset that cannot answer leaves the ids and ISL as fallbacks", () => {
    const boom = (): never => {
      throw new RangeError("no such conversation");
    };
    const { raw, chunks } = streamed([{ text: chatEvent({ content: "x" }), ns: 1 }], { conversation: 9 });
    const r = parseRecord(raw, chunks, context({ dataset: { inputTokens: boom, conversationId: boom } }));
    expect([r.conversationId, r.inputTokens, r.error]).toEqual(["9", null, null]);
  });
});
