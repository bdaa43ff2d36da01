/**
 * One recorded reply per endpoint type, read by its module's parser; keyed by BuiltinEndpointType, so a
 * new type without a recorded reply does not typecheck. Then whole records through parseRecord
 * for what the new types add: image counts, transcripts, response_field.
 */
import { describe, expect, test } from "bun:test";
import { endpointFor } from "../../src/endpoints/registry.ts";
import type { ParsedResponse, Skip } from "../../src/endpoints/types.ts";
import { ENDPOINT_TYPES, type BuiltinEndpointType } from "../../src/protocol/endpoint-types.ts";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { parseRecord } from "../../src/replies/parse-record.ts";
import { enc, rawRecord, streamed } from "../replies/support.ts";

type Recorded = { payloads: { data: string; event?: string }[]; parsed: (ParsedResponse | Skip)[]; responseField?: string };

const j = (v: unknown): string => JSON.stringify(v);
const text = (t: string, reasoning = ""): ParsedResponse => ({ kind: "text", text: t, reasoning });

const RECORDED: Record<BuiltinEndpointType, Recorded> = {
  chat: {
    payloads: [
      { data: j({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }) },
      { data: j({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "Hello" } }] }) },
      { data: j({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { reasoning_content: "hmm" } }] }) },
      { data: "[DONE]" },
    ],
    parsed: [{ skip: "no-content" }, text("Hello"), text("", "hmm"), { skip: "done" }],
  },
  completions: {
    payloads: [{ data: j({ id: "x", object: "text_completion", choices: [{ index: 0, text: " world", finish_reason: null }] }) }],
    parsed: [text(" world")],
  },
  embeddings: {
    payloads: [
      {
        data: j({
          object: "list",
          data: [
            { object: "embedding", index: 0, embedding: [0.1, 0.2] },
            { object: "embedding", index: 1, embedding: "AAAA" },
          ],
          model: "e",
        }),
      },
    ],
    parsed: [{ kind: "embeddings", count: 2 }],
  },
  rankings: {
    payloads: [
      {
        data: j({
          rankings: [
            { index: 1, logit: 2.5 },
            { index: 0, logit: -1 },
          ],
        }),
      },
    ],
    parsed: [{ kind: "rankings", count: 2 }],
  },
  huggingface_generate: {
    payloads: [
      { data: j({ token: { id: 5, text: " hi", special: false } }) },
      { data: j({ token: { id: 2, text: "</s>", special: true }, generated_text: " hi" }) },
    ],
    parsed: [text(" hi"), { skip: "no-content" }],
  },
  cohere_rankings: {
    payloads: [{ data: j({ id: "r", results: [{ index: 0, relevance_score: 0.9 }], meta: {} }) }],
    parsed: [{ kind: "rankings", count: 1 }],
  },
  hf_tei_rankings: {
    payloads: [
      {
        data: j([
          { index: 0, score: 0.9 },
          { index: 1, score: 0.1 },
        ]),
      },
    ],
    parsed: [{ kind: "rankings", count: 2 }],
  },
  nim_embeddings: {
    payloads: [{ data: j({ object: "list", data: [{ object: "embedding", index: 0, embedding: [1, 0] }] }) }],
    parsed: [{ kind: "embeddings", count: 1 }],
  },
  nim_rankings: {
    payloads: [
      {
        data: j({
          rankings: [
            { index: 1, logit: 0.5 },
            { index: 0, logit: -1 },
          ],
        }),
      },
    ],
    parsed: [{ kind: "rankings", count: 2 }],
  },
  chat_embeddings: {
    payloads: [{ data: j({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }] }) }],
    parsed: [{ kind: "embeddings", count: 1 }],
  },
  image_edit: {
    payloads: [{ data: j({ created: 1, data: [{ b64_json: "iVBOR" }] }) }],
    parsed: [{ kind: "images", count: 1 }],
  },
  messages: {
    payloads: [
      { event: "content_block_delta", data: j({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } }) },
      { event: "message_stop", data: j({ type: "message_stop" }) },
    ],
    parsed: [text("Hi"), { skip: "no-content" }],
  },
  responses: {
    payloads: [
      { event: "response.output_text.delta", data: j({ type: "response.output_text.delta", item_id: "m", output_index: 0, content_index: 0, delta: "Yo" }) },
      { event: "response.created", data: j({ type: "response.created", response: { id: "resp_1", object: "response" } }) },
    ],
    parsed: [text("Yo"), { skip: "no-content" }],
  },
  image_generation: {
    payloads: [
      {
        data: j({
          created: 1,
          data: [{ b64_json: "iVBOR", revised_prompt: "fox" }, { url: "https://x/y.png" }, null],
          usage: { input_tokens: 3, output_tokens: 0, total_tokens: 3 },
        }),
      },
      { event: "image_generation.partial_image", data: j({ type: "image_generation.partial_image", b64_json: "AA", partial_image_index: 0 }) },
      { event: "image_generation.completed", data: j({ type: "image_generation.completed", b64_json: "iVBOR" }) },
    ],
    parsed: [
      { kind: "images", count: 2, usage: { promptTokens: 3, completionTokens: 0, totalTokens: 3, reasoningTokens: null } },
      { kind: "images", count: 0 },
      { kind: "images", count: 1 },
    ],
  },
  audio_transcription: {
    payloads: [{ data: j({ text: "the cat sat", usage: { type: "duration", seconds: 2 } }) }, { data: "plain text transcript" }, { data: j({ error: "x" }) }],
    parsed: [text("the cat sat"), text("plain text transcript"), { skip: "unknown-object", detail: "no text field" }],
  },
  raw: {
    responseField: "output.answer",
    payloads: [
      { data: j({ output: { answer: "forty-two" } }) },
      // A miss falls back to auto-detection (upstream's raw endpoint).
      { data: j({ choices: [{ index: 0, delta: { content: "tok" } }] }) },
      { data: "not json at all" },
    ],
    parsed: [text("forty-two"), text("tok"), text("not json at all")],
  },
  template: {
    responseField: "data[*].vector",
    payloads: [
      { data: j({ data: [{ vector: [0.1, 0.2] }, { vector: [0.3, 0.4] }] }) },
      // Strict: a miss is not a response, even though auto-detection would find text.
      { data: j({ text: "would be auto-detected" }) },
    ],
    parsed: [
      { kind: "embeddings", count: 2 },
      { skip: "no-content", detail: 'response_field "data[*].vector" matched nothing' },
    ],
  },
};

describe("recorded replies", () => {
  test("every endpoint type has a recorded reply", () => {
    expect(Object.keys(RECORDED).sort()).toEqual([...ENDPOINT_TYPES].sort());
  });

  for (const type of ENDPOINT_TYPES) {
    test(`${type}: each payload parses as recorded`, () => {
      const r = RECORDED[type];
      const opts = r.responseField === undefined ? undefined : { responseField: r.responseField };
      expect(r.payloads.map((p) => endpointFor(type).parseResponse(p.data, p.event, opts))).toEqual(r.parsed);
    });
  }

  test("raw and template auto-detect embeddings, then rankings, then text", () => {
    for (const type of ["raw", "template"] as const) {
      const parse = (v: unknown) => endpointFor(type).parseResponse(j(v));
      expect(
        parse({
          embeddings: [
            [1, 2],
            [3, 4],
          ],
        }),
      ).toEqual({ kind: "embeddings", count: 2 });
      expect(parse({ embedding: [1, 2] })).toEqual({ kind: "embeddings", count: 1 });
      expect(parse({ results: [{ index: 0 }] })).toEqual({ kind: "rankings", count: 1 });
      expect(parse({ response: "r" })).toEqual(text("r"));
      expect(parse({ output: ["a", "b"] })).toEqual(text("ab"));
      expect(parse({ choices: [{ message: { content: "m" } }] })).toEqual(text("m"));
      expect(parse({ usage: { prompt_tokens: 1 } })).toMatchObject({ skip: "no-content" });
      expect(endpointFor(type).parseResponse("[DONE]")).toEqual({ skip: "done" });
    }
  });
});

const context = (endpointType: BuiltinEndpointType, responseField?: string) => ({
  endpointType,
  counter: whitespaceCounter,
  processorId: "record-processor:0",
  dataset: { inputTokens: () => 5, conversationId: (c: number) => `conv-${c}` },
  ...(responseField === undefined ? {} : { responseField }),
});

describe("records of the new types", () => {
  test("image_generation: the record counts the reply's images and has no token counts", () => {
    const body = enc(j({ created: 1, data: [{ b64_json: "A" }, { b64_json: "B" }] }));
    const record = parseRecord(
      rawRecord({ contentType: "application/json", chunkNs: [8_000], chunkBytes: [body.byteLength] }),
      [body],
      context("image_generation"),
    );
    expect(record.error).toBeNull();
    expect(record.images).toBe(2);
    expect(record.responseNs).toEqual([9_000]);
    expect(record.outputTokens).toBeNull();
  });

  test("image_generation stream: partial images are responses, only finished ones are counted", () => {
    const ev = (type: string, extra: object) => `event: ${type}\ndata: ${j({ type, b64_json: "A", ...extra })}\n\n`;
    const { raw, chunks } = streamed([
      { text: ev("image_generation.partial_image", { partial_image_index: 0 }), ns: 3_000 },
      { text: ev("image_generation.completed", {}), ns: 6_000 },
    ]);
    const record = parseRecord(raw, chunks, context("image_generation"));
    expect(record.images).toBe(1);
    expect(record.responseNs).toEqual([3_000, 6_000]);
  });

  test("audio_transcription: a transcript is one response; a reply without text is an error record", () => {
    const ok = enc(j({ text: "one two three" }));
    const good = parseRecord(
      rawRecord({ contentType: "application/json", chunkNs: [5_000], chunkBytes: [ok.byteLength] }),
      [ok],
      context("audio_transcription"),
    );
    expect(good.error).toBeNull();
    expect(good.responseNs).toHaveLength(1);
    const bad = enc(j({ detail: "nothing" }));
    expect(parseRecord(rawRecord({ contentType: "application/json" }), [bad], context("audio_transcription")).error?.type).toBe("InvalidInferenceResults");
  });

  test("template with response_field: streamed text found by the path is counted as output tokens", () => {
    const sse = (v: unknown) => `data: ${j(v)}\n\n`;
    const { raw, chunks } = streamed([
      { text: sse({ out: { piece: "alpha" } }), ns: 3_000 },
      { text: sse({ out: { piece: " beta gamma" } }), ns: 5_000 },
      { text: sse({ other: 1 }), ns: 6_000 },
    ]);
    const record = parseRecord(raw, chunks, context("template", "out.piece"));
    expect(record.responseNs).toEqual([3_000, 5_000]);
    expect(record.outputTokens).toBe(3);
  });
});
