/**
 * One golden request body per endpoint type, built through the dataset's entry point. The table is
 * keyed by BuiltinEndpointType, so a new type without a golden body does not typecheck.
 */
import { describe, expect, test } from "bun:test";
import { endpointPath } from "../../src/endpoints/registry.ts";
import { ENDPOINT_TYPES, type BuiltinEndpointType } from "../../src/protocol/endpoint-types.ts";
import { requestBody, type TurnInput } from "../../src/services/dataset/request-body.ts";

type Golden = { turn: TurnInput; streaming: boolean; extras: [string, unknown][]; path: string; body: Record<string, unknown> };

const text: TurnInput = { model: "m", texts: ["what is it"], maxTokens: 16 };
const three: TurnInput = { model: "m", texts: ["what is it", "a cat", "a dog"], maxTokens: 16 };

const GOLDEN: Record<BuiltinEndpointType, Golden> = {
  chat: {
    turn: text,
    streaming: true,
    extras: [["temperature", 0.2]],
    path: "/v1/chat/completions",
    body: {
      messages: [{ role: "user", name: "text", content: "what is it" }],
      model: "m",
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 16,
      temperature: 0.2,
    },
  },
  completions: {
    turn: text,
    streaming: false,
    extras: [],
    path: "/v1/completions",
    body: { prompt: "what is it", model: "m", stream: false, max_tokens: 16 },
  },
  embeddings: { turn: three, streaming: false, extras: [], path: "/v1/embeddings", body: { model: "m", input: ["what is it", "a cat", "a dog"] } },
  rankings: {
    turn: three,
    streaming: false,
    extras: [],
    path: "/v1/ranking",
    body: { model: "m", query: { text: "what is it" }, passages: [{ text: "a cat" }, { text: "a dog" }] },
  },
  huggingface_generate: {
    turn: three,
    streaming: false,
    extras: [["temperature", 0.5]],
    path: "/generate",
    body: { inputs: "what is it a cat a dog", parameters: { max_new_tokens: 16, temperature: 0.5 } },
  },
  cohere_rankings: { turn: three, streaming: false, extras: [], path: "/v2/rerank", body: { model: "m", query: "what is it", documents: ["a cat", "a dog"] } },
  hf_tei_rankings: { turn: three, streaming: false, extras: [], path: "/rerank", body: { model: "m", query: "what is it", texts: ["a cat", "a dog"] } },
  nim_embeddings: {
    turn: three,
    streaming: false,
    extras: [],
    path: "/v1/embeddings",
    body: { model: "m", input: ["what is it", "a cat", "a dog"], input_type: "query" },
  },
  messages: {
    turn: text,
    streaming: true,
    extras: [],
    path: "/v1/messages",
    body: { model: "m", max_tokens: 16, messages: [{ role: "user", content: "what is it" }], stream: true },
  },
  responses: {
    turn: text,
    streaming: true,
    extras: [["store", true]],
    path: "/v1/responses",
    body: { model: "m", input: [{ role: "user", content: [{ type: "input_text", text: "what is it" }] }], stream: true, max_output_tokens: 16, store: true },
  },
  image_generation: {
    turn: { model: "flux", texts: ["a red fox", "ignored"], maxTokens: 16 },
    streaming: false,
    extras: [
      ["size", "512x512"],
      ["quality", "standard"],
    ],
    path: "/v1/images/generations",
    body: { prompt: "a red fox", model: "flux", response_format: "b64_json", n: 1, size: "512x512", quality: "standard" },
  },
  audio_transcription: {
    turn: { model: "whisper", texts: [], maxTokens: null, audios: ["wav,UklGRg==", "mp3,SUQz"] },
    streaming: false,
    extras: [
      ["language", "en"],
      ["file", "not-allowed"],
    ],
    path: "/v1/audio/transcriptions",
    body: { file: { b64_data: "UklGRg==", filename: "audio.wav", content_type: "audio/wav" }, model: "whisper", language: "en" },
  },
  raw: {
    turn: { model: "m", texts: ["unused"], maxTokens: 1, payload: { messages: [{ role: "user", content: "hi" }], model: "x", temperature: 0 } },
    streaming: true,
    extras: [
      ["response_field", "choices[0].text"],
      ["temperature", 1],
    ],
    path: "",
    body: { messages: [{ role: "user", content: "hi" }], model: "x", temperature: 0 },
  },
  // Newer upstream's types: nim_rankings is the NIM reranker's upstream name; chat_embeddings
  // sends a chat body (never streamed) to /v1/embeddings; image_edit uploads the first image.
  nim_rankings: {
    turn: three,
    streaming: false,
    extras: [],
    path: "/v1/ranking",
    body: { model: "m", query: { text: "what is it" }, passages: [{ text: "a cat" }, { text: "a dog" }] },
  },
  chat_embeddings: {
    turn: { model: "m", texts: ["describe"], maxTokens: null, images: ["data:image/png;base64,iVBORw0KGgo="] },
    streaming: true,
    extras: [["encoding_format", "float"]],
    path: "/v1/embeddings",
    body: {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "describe" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
      ],
      model: "m",
      stream: false,
      encoding_format: "float",
    },
  },
  image_edit: {
    turn: { model: "flux", texts: ["make it blue"], maxTokens: null, images: ["data:image/jpeg;base64,/9j/4AAQ"] },
    streaming: false,
    extras: [
      ["size", "512x512"],
      ["image", "not-allowed"],
      ["mask", "no"],
    ],
    path: "/v1/images/edits",
    body: {
      prompt: "make it blue",
      model: "flux",
      response_format: "b64_json",
      n: 1,
      image: { b64_data: "/9j/4AAQ", filename: "image.jpg", content_type: "image/jpeg" },
      size: "512x512",
    },
  },
  template: {
    turn: { model: "m", texts: ["q1", "p1", "p2"], textsByName: { query: ["q1"], passages: ["p1", "p2"] }, maxTokens: 8 },
    streaming: true,
    extras: [
      [
        "payload_template",
        '{"q": {{ query|tojson }}, "docs": {{ passages|tojson }}, "n": {{ max_tokens }}, "stream": {{ stream|lower }}, "model": "{{ model }}"}',
      ],
      ["response_field", "data[0].text"],
      ["top_k", 3],
    ],
    path: "",
    body: { q: "q1", docs: ["p1", "p2"], n: 8, stream: true, model: "m", top_k: 3 },
  },
};

describe("golden request bodies", () => {
  test("every endpoint type has a golden body", () => {
    expect(Object.keys(GOLDEN).sort()).toEqual([...ENDPOINT_TYPES].sort());
  });

  for (const type of ENDPOINT_TYPES) {
    test(`${type}: body and default path`, () => {
      const g = GOLDEN[type];
      expect(requestBody(g.turn, { endpointType: type, streaming: g.streaming, extraInputs: g.extras })).toEqual(g.body);
      expect(endpointPath(type, false)).toBe(g.path);
    });
  }

  test("image_generation sends stream only when streaming", () => {
    expect(requestBody(text, { endpointType: "image_generation", streaming: true, extraInputs: [] })).toMatchObject({ stream: true });
    expect(requestBody(text, { endpointType: "image_generation", streaming: false, extraInputs: [] })).not.toHaveProperty("stream");
  });

  test("a turn an endpoint cannot send is a dataset error naming the file", () => {
    expect(() => requestBody(text, { endpointType: "audio_transcription", streaming: false, extraInputs: [], inputFile: "turns.jsonl" })).toThrow(
      /turns\.jsonl: .*needs audio/,
    );
    expect(() => requestBody(text, { endpointType: "raw", streaming: false, extraInputs: [] })).toThrow(/--endpoint-type raw: .*inputs_json/);
    expect(() => requestBody(text, { endpointType: "template", streaming: false, extraInputs: [["payload_template", "{{ text }}"]] })).toThrow(
      /did not render valid JSON/,
    );
  });
});
