/** Golden request bodies per endpoint type, built through the dataset's entry point. */
import { describe, expect, test } from "bun:test";
import { endpointPath } from "../../src/endpoints/registry.ts";
import { ENDPOINT_TYPES, type EndpointType } from "../../src/protocol/endpoint-types.ts";
import { requestBody, type TurnInput } from "../../src/services/dataset/request-body.ts";
import { planHeaders, requestHeaders } from "../../src/endpoints/headers.ts";

const turn: TurnInput = { model: "m", texts: ["what is it", "a cat", "a dog"], maxTokens: 16 };
const body = (endpointType: EndpointType, streaming = false, extraInputs: [string, unknown][] = [], t: TurnInput = turn) =>
  requestBody(t, { endpointType, streaming, extraInputs });

describe("request bodies", () => {
  test("every type has a module with a path, except raw and template (the path is in --url)", () => {
    for (const type of ENDPOINT_TYPES) {
      if (type === "raw" || type === "template") expect(endpointPath(type, false)).toBe("");
      else expect(endpointPath(type, false)).toStartWith("/");
    }
  });

  test("huggingface_generate: inputs joined by spaces, max_new_tokens and extras under parameters", () => {
    expect(body("huggingface_generate", false, [["temperature", 0.5]])).toEqual({
      inputs: "what is it a cat a dog",
      parameters: { max_new_tokens: 16, temperature: 0.5 },
    });
    expect(body("huggingface_generate", true, [], { ...turn, maxTokens: null })).toEqual({ inputs: "what is it a cat a dog", parameters: {} });
    expect(endpointPath("huggingface_generate", false)).toBe("/generate");
    expect(endpointPath("huggingface_generate", true)).toBe("/generate_stream");
  });

  test("cohere_rankings: /v2/rerank with query and documents", () => {
    expect(body("cohere_rankings", false, [["top_n", 2]])).toEqual({ model: "m", query: "what is it", documents: ["a cat", "a dog"], top_n: 2 });
    expect(endpointPath("cohere_rankings", true)).toBe("/v2/rerank");
  });

  test("hf_tei_rankings: /rerank with query and texts", () => {
    expect(body("hf_tei_rankings")).toEqual({ model: "m", query: "what is it", texts: ["a cat", "a dog"] });
    expect(endpointPath("hf_tei_rankings", false)).toBe("/rerank");
  });

  test("nim_embeddings: input plus input_type, which extras override", () => {
    expect(body("nim_embeddings")).toEqual({ model: "m", input: ["what is it", "a cat", "a dog"], input_type: "query" });
    expect(body("nim_embeddings", false, [["input_type", "passage"]])).toMatchObject({ input_type: "passage" });
    expect(endpointPath("nim_embeddings", false)).toBe("/v1/embeddings");
  });

  test("messages: top-level max_tokens (a default when the turn has none), string or block content", () => {
    const one = { model: "m", texts: ["hi there"], maxTokens: null };
    expect(body("messages", true, [], one)).toEqual({ model: "m", max_tokens: 1024, messages: [{ role: "user", content: "hi there" }], stream: true });
    expect(body("messages", false, [], { ...one, maxTokens: 8, images: ["data:image/png;base64,AAAA", "https://x/y.png"] })).toEqual({
      model: "m",
      max_tokens: 8,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "hi there" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "image", source: { type: "url", url: "https://x/y.png" } },
          ],
        },
      ],
      stream: false,
    });
    expect(endpointPath("messages", true)).toBe("/v1/messages");
  });

  test("messages: the key goes in x-api-key with anthropic-version, never as a bearer token", () => {
    const h = requestHeaders(planHeaders({ endpointType: "messages", streaming: true, apiKey: "sk-ant", headers: [] }), "r", "c");
    expect(h["x-api-key"]).toBe("sk-ant");
    expect(h["anthropic-version"]).toBe("2023-06-01");
    expect(h.authorization).toBeUndefined();
    const keyless = requestHeaders(planHeaders({ endpointType: "messages", streaming: false, apiKey: undefined, headers: [] }), "r", "c");
    expect(keyless["x-api-key"]).toBeUndefined();
    expect(keyless["anthropic-version"]).toBe("2023-06-01");
    expect(requestHeaders(planHeaders({ endpointType: "chat", streaming: false, apiKey: "k", headers: [] }), "r", "c").authorization).toBe("Bearer k");
  });

  test("responses: input items with typed parts and max_output_tokens", () => {
    expect(body("responses", true, [["store", false]], { model: "m", texts: ["hi"], maxTokens: 5, images: ["https://x/y.png"], audios: ["mp3,QUJD"] })).toEqual(
      {
        model: "m",
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "hi" },
              { type: "input_image", image_url: "https://x/y.png" },
              { type: "input_audio", input_audio: { data: "QUJD", format: "mp3" } },
            ],
          },
        ],
        stream: true,
        max_output_tokens: 5,
        store: false,
      },
    );
    expect(body("responses", false, [], { model: "m", texts: ["hi"], maxTokens: null })).not.toHaveProperty("max_output_tokens");
    expect(endpointPath("responses", true)).toBe("/v1/responses");
  });
});
