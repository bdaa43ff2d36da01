/** The record processor's token-accounting fields: tokenizer count kept aside, first chunk, per-chunk usage, requested cap, TTFO. */
import { describe, expect, test } from "bun:test";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { type ParseContext, parseRecord } from "../../src/replies/parse-record.ts";
import { requestedOutputTokens } from "../../src/replies/token-accounting.ts";
import { streamed } from "./support.ts";

const context = (over: Partial<ParseContext> = {}): ParseContext => ({
  endpointType: "chat",
  counter: whitespaceCounter,
  processorId: "record-processor:0",
  dataset: { inputTokens: () => 10, conversationId: (c) => `conv-${c}` },
  ...over,
});

const chunk = (delta: object, usage?: object): string =>
  `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta }], ...(usage ? { usage } : {}) })}\n\n`;

describe("token accounting in parse-record", () => {
  test("packed chunks: the first chunk's words are its tokens; tokenizer total kept when usage replaces OSL", () => {
    const { raw, chunks } = streamed([
      { text: chunk({ content: "a b c" }), ns: 10 },
      { text: chunk({ content: " d e f" }), ns: 20 },
      { text: `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 4, completion_tokens: 7 } })}\n\n`, ns: 30 },
    ]);
    const r = parseRecord(raw, chunks, context({ useServerTokenCount: true, requestedTokens: () => 8 }));
    expect(r.outputTokens).toBe(7); // the server's, by --use-server-token-count
    expect(r.tokens).toEqual({ tokenizerTokens: 6, firstChunkTokens: 3, requestedTokens: 8 });
    expect(r.firstOutputNs).toBe(10);
  });

  test("usage no larger than chunks + 1 means one token per chunk, whatever the tokenizer says", () => {
    const { raw, chunks } = streamed([
      { text: chunk({ content: "several words here" }), ns: 10 },
      { text: chunk({ content: " more" }), ns: 20 },
      { text: `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: { completion_tokens: 3 } })}\n\n`, ns: 30 },
    ]);
    expect(parseRecord(raw, chunks, context()).tokens?.firstChunkTokens).toBe(1);
  });

  test("cumulative per-chunk usage gives exact per-chunk tokens and the first chunk's count", () => {
    const { raw, chunks } = streamed([
      { text: chunk({ role: "assistant" }, { completion_tokens: 0 }), ns: 5 },
      { text: chunk({ content: "x" }, { completion_tokens: 1 }), ns: 10 },
      { text: chunk({ content: "yz" }, { completion_tokens: 4 }), ns: 20 },
      { text: chunk({ content: "w" }, { completion_tokens: 6 }), ns: 30 },
    ]);
    const r = parseRecord(raw, chunks, context());
    expect(r.tokens?.chunkTokens).toEqual([1, 3, 2]);
    expect(r.tokens?.firstChunkTokens).toBe(1);
  });

  test("a chunk without usage, or usage that falls, means no per-chunk counts", () => {
    const { raw, chunks } = streamed([
      { text: chunk({ content: "x" }, { completion_tokens: 2 }), ns: 10 },
      { text: chunk({ content: "y" }), ns: 20 },
    ]);
    expect(parseRecord(raw, chunks, context()).tokens?.chunkTokens).toBeUndefined();
  });

  test("time to first output token skips reasoning-only chunks", () => {
    const { raw, chunks } = streamed([
      { text: chunk({ reasoning_content: "hmm let me" }), ns: 10 },
      { text: chunk({ content: "Answer" }), ns: 40 },
    ]);
    const r = parseRecord(raw, chunks, context());
    expect(r.firstOutputNs).toBe(40);
    expect(r.tokens?.firstChunkTokens).toBe(3); // reasoning counts as chunk tokens
  });

  test("requested output tokens from each vendor's spelling", () => {
    expect(requestedOutputTokens('{"messages":[],"max_completion_tokens":128}')).toBe(128);
    expect(requestedOutputTokens(new TextEncoder().encode('{"max_tokens": 64,"stream":true}'))).toBe(64);
    expect(requestedOutputTokens('{"input":"x","max_output_tokens":5}')).toBe(5);
    expect(requestedOutputTokens('{"inputs":"x","parameters":{"max_new_tokens":9}}')).toBe(9);
    expect(requestedOutputTokens('{"messages":[]}')).toBeNull();
    // A long prompt before the cap, and a prompt that merely mentions one (escaped quotes).
    const long = JSON.stringify({ messages: [{ role: "user", content: `${"word ".repeat(5000)} "max_tokens": 7` }], max_tokens: 21 });
    expect(requestedOutputTokens(new TextEncoder().encode(long))).toBe(21);
    expect(requestedOutputTokens(JSON.stringify({ prompt: '"max_tokens": 7' }))).toBeNull();
  });
});
