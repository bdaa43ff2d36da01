/** Recorded replies of each non-OpenAI endpoint type, read by its module's parser. */
import { describe, expect, test } from "bun:test";
import { endpointFor } from "../../src/endpoints/registry.ts";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { parseRecord } from "../../src/replies/parse-record.ts";
import type { EndpointType } from "../../src/protocol/endpoint-types.ts";
import { enc, rawRecord, streamed } from "../replies/support.ts";

const context = (endpointType: EndpointType) => ({
  endpointType,
  counter: whitespaceCounter,
  processorId: "record-processor:0",
  dataset: { inputTokens: () => 5, conversationId: (c: number) => `conv-${c}` },
});

describe("huggingface_generate", () => {
  const parse = endpointFor("huggingface_generate").parseResponse;
  test("non-streaming generated_text, as an object or a one-item list", () => {
    expect(parse('{"generated_text":"Paris is"}')).toEqual({ kind: "text", text: "Paris is", reasoning: "" });
    expect(parse('[{"generated_text":"Paris"}]')).toEqual({ kind: "text", text: "Paris", reasoning: "" });
  });

  test("a stream counts each token's text and never the repeated generated_text", () => {
    // Recorded from TGI 2.x /generate_stream (ids and logprobs shortened).
    const event = (i: number, text: string, full: string | null) =>
      `data:${JSON.stringify({ index: i, token: { id: 100 + i, text, logprob: -0.1, special: false }, generated_text: full, details: null })}\n\n`;
    const { raw, chunks } = streamed([
      { text: event(1, "Paris", null), ns: 3_000 },
      { text: event(2, " is", null), ns: 4_000 },
      { text: event(3, " big", "Paris is big"), ns: 5_000 },
    ]);
    const r = parseRecord(raw, chunks, context("huggingface_generate"));
    expect(r.error).toBeNull();
    expect(r.responseNs).toEqual([3_000, 4_000, 5_000]);
    expect(r.outputTokens).toBe(3);
    expect(parse(JSON.stringify({ index: 4, token: { id: 2, text: "</s>", special: true } }))).toEqual({ skip: "no-content" });
  });
});

describe("rerankers", () => {
  test("cohere_rankings reads results", () => {
    const reply = {
      id: "r1",
      results: [
        { index: 1, relevance_score: 0.9 },
        { index: 0, relevance_score: 0.1 },
      ],
      meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } },
    };
    expect(endpointFor("cohere_rankings").parseResponse(JSON.stringify(reply))).toEqual({ kind: "rankings", count: 2 });
    expect(endpointFor("cohere_rankings").parseResponse('{"results":[]}')).toEqual({ skip: "no-content" });
    expect(endpointFor("cohere_rankings").parseResponse('{"message":"bad"}')).toMatchObject({ skip: "unknown-object" });
  });

  test("hf_tei_rankings reads a bare list", () => {
    expect(endpointFor("hf_tei_rankings").parseResponse('[{"index":0,"score":0.99},{"index":1,"score":0.02}]')).toEqual({ kind: "rankings", count: 2 });
    const r = parseRecord(
      rawRecord({ contentType: "application/json", chunkNs: [8_000], endNs: 8_000 }),
      [enc('[{"index":0,"score":0.5}]')],
      context("hf_tei_rankings"),
    );
    expect(r.error).toBeNull();
    expect(r.outputTokens).toBeNull();
  });
});

describe("nim_embeddings", () => {
  test("reads the OpenAI list", () => {
    const reply = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
      model: "nv-embedqa",
      usage: { prompt_tokens: 3, total_tokens: 3 },
    };
    expect(endpointFor("nim_embeddings").parseResponse(JSON.stringify(reply))).toEqual({
      kind: "embeddings",
      count: 1,
      usage: { promptTokens: 3, completionTokens: null, totalTokens: 3, reasoningTokens: null },
    });
  });
});

describe("messages", () => {
  const parse = endpointFor("messages").parseResponse;
  test("a recorded stream: text and thinking deltas are responses, the rest are dropped", () => {
    // Shaped as the Anthropic API streams with extended thinking (ids shortened).
    const ev = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
    const { raw, chunks } = streamed([
      {
        text: ev("message_start", { message: { id: "msg_1", type: "message", role: "assistant", content: [], usage: { input_tokens: 12, output_tokens: 1 } } }),
        ns: 2_000,
      },
      { text: ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }) + ev("ping", {}), ns: 2_500 },
      { text: ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "let me see" } }), ns: 3_000 },
      {
        text: ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "abc" } }) + ev("content_block_stop", { index: 0 }),
        ns: 3_500,
      },
      { text: ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }), ns: 3_600 },
      { text: ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Paris is" } }), ns: 4_000 },
      { text: ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: " big" } }), ns: 5_000 },
      {
        text:
          ev("content_block_stop", { index: 1 }) +
          ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }) +
          ev("message_stop", {}),
        ns: 6_000,
      },
    ]);
    const r = parseRecord(raw, chunks, context("messages"));
    expect(r.error).toBeNull();
    expect(r.responseNs).toEqual([3_000, 4_000, 5_000]);
    expect(r.outputTokens).toBe(3);
    expect(r.reasoningTokens).toBe(3);
    // Input from message_start, output from message_delta, the total computed.
    expect(r.usage).toEqual({ promptTokens: 12, completionTokens: 9, totalTokens: 21, reasoningTokens: null });
  });

  test("a whole message joins text and thinking blocks", () => {
    const reply = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [
        { type: "thinking", thinking: "hmm", signature: "s" },
        { type: "text", text: "Hello!" },
      ],
      stop_reason: "end_turn",
      usage: { input_tokens: 10, output_tokens: 25 },
    };
    expect(parse(JSON.stringify(reply))).toEqual({
      kind: "text",
      text: "Hello!",
      reasoning: "hmm",
      usage: { promptTokens: 10, completionTokens: 25, totalTokens: null, reasoningTokens: null },
    });
    expect(parse(JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))).toMatchObject({ skip: "unknown-object" });
  });
});

describe("responses", () => {
  const parse = endpointFor("responses").parseResponse;
  test("a recorded stream: output_text and reasoning deltas are responses, lifecycle events are not", () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const { raw, chunks } = streamed([
      {
        text: ev("response.created", { response: { id: "resp_1", object: "response", status: "in_progress", output: [] } }) + ev("response.in_progress", {}),
        ns: 2_000,
      },
      { text: ev("response.reasoning_summary_text.delta", { item_id: "rs_1", delta: "think" }), ns: 2_500 },
      {
        text:
          ev("response.output_item.added", { item: { type: "message", content: [] } }) +
          ev("response.content_part.added", { part: { type: "output_text", text: "" } }),
        ns: 2_800,
      },
      { text: ev("response.output_text.delta", { item_id: "msg_1", delta: "Hello" }), ns: 3_000 },
      { text: ev("response.output_text.delta", { item_id: "msg_1", delta: " you" }), ns: 4_000 },
      {
        text:
          ev("response.output_text.done", { text: "Hello you" }) +
          ev("response.completed", { response: { object: "response", status: "completed", usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } } }),
        ns: 5_000,
      },
    ]);
    const r = parseRecord(raw, chunks, context("responses"));
    expect(r.error).toBeNull();
    expect(r.responseNs).toEqual([2_500, 3_000, 4_000]);
    expect(r.outputTokens).toBe(2);
    expect(r.reasoningTokens).toBe(1);
    expect(r.usage).toEqual({ promptTokens: 5, completionTokens: 2, totalTokens: 7, reasoningTokens: null });
  });

  test("a whole response: output items, or the SDK's output_text when present", () => {
    const reply = {
      id: "resp_1",
      object: "response",
      status: "completed",
      output: [
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "why" }] },
        {
          type: "message",
          id: "msg_1",
          role: "assistant",
          content: [
            { type: "output_text", text: "Hi", annotations: [] },
            { type: "output_text", text: " there", annotations: [] },
          ],
        },
      ],
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    };
    expect(parse(JSON.stringify(reply))).toEqual({
      kind: "text",
      text: "Hi there",
      reasoning: "why",
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5, reasoningTokens: null },
    });
    expect(parse(JSON.stringify({ object: "response", output_text: "ok", output: [] }))).toEqual({ kind: "text", text: "ok", reasoning: "" });
    expect(parse(JSON.stringify({ type: "error", message: "boom" }))).toMatchObject({ skip: "unknown-object" });
  });
});

describe("usage", () => {
  const chunk = (body: object) => `data: ${JSON.stringify({ object: "chat.completion.chunk", ...body })}\n\n`;
  const chatStream = () =>
    streamed([
      { text: chunk({ choices: [{ index: 0, delta: { content: "a b" } }] }), ns: 3_000 },
      { text: chunk({ choices: [{ index: 0, delta: { content: " c" } }], usage: null }), ns: 4_000 },
      {
        text:
          chunk({ choices: [], usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49, completion_tokens_details: { reasoning_tokens: 4 } } }) +
          "data: [DONE]\n\n",
        ns: 5_000,
      },
    ]);

  test("the last non-null usage of a chat stream lands on the record, usage-only chunk included", () => {
    const { raw, chunks } = chatStream();
    const r = parseRecord(raw, chunks, context("chat"));
    expect(r.usage).toEqual({ promptTokens: 40, completionTokens: 9, totalTokens: 49, reasoningTokens: 4 });
    expect(r.inputTokens).toBe(5);
    expect(r.outputTokens).toBe(3);
  });

  test("--use-server-token-count takes ISL, output and reasoning from usage", () => {
    const { raw, chunks } = chatStream();
    const r = parseRecord(raw, chunks, { ...context("chat"), useServerTokenCount: true });
    expect(r.inputTokens).toBe(40);
    expect(r.reasoningTokens).toBe(4);
    expect(r.outputTokens).toBe(5);
  });

  test("without usage the tokenizer's counts stay", () => {
    const { raw, chunks } = streamed([{ text: chunk({ choices: [{ index: 0, delta: { content: "a b" } }] }), ns: 3_000 }]);
    const r = parseRecord(raw, chunks, { ...context("chat"), useServerTokenCount: true });
    expect(r.usage).toBeUndefined();
    expect(r.inputTokens).toBe(5);
    expect(r.outputTokens).toBe(2);
  });
});
