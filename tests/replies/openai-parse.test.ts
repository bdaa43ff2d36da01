import { describe, expect, test } from "bun:test";
import { parsePayload } from "../../src/replies/openai-parse.ts";

const chunk = (delta: object, extra: object = {}): string =>
  JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }], ...extra });

describe("OpenAI response parsing", () => {
  test("chat chunk content is a response", () => {
    expect(parsePayload(chunk({ content: "Hi" }))).toEqual({ kind: "text", text: "Hi", reasoning: "" });
  });

  test("the role-only first delta, empty deltas and [DONE] are dropped", () => {
    expect(parsePayload(chunk({ role: "assistant" }))).toEqual({ skip: "no-content" });
    expect(parsePayload(chunk({ role: "assistant", content: "" }))).toEqual({ skip: "no-content" });
    expect(parsePayload(chunk({}))).toEqual({ skip: "no-content" });
    expect(parsePayload("[DONE]")).toEqual({ skip: "done" });
    expect(parsePayload(" [DONE] ")).toEqual({ skip: "done" });
    expect(parsePayload("")).toEqual({ skip: "empty" });
  });

  test("a usage-only chunk (empty choices) is dropped", () => {
    const usage = JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 5, completion_tokens: 7 } });
    expect(parsePayload(usage)).toEqual({ skip: "no-content" });
  });

  test("reasoning_content or reasoning is reasoning", () => {
    expect(parsePayload(chunk({ reasoning_content: "hmm" }))).toEqual({ kind: "text", text: "", reasoning: "hmm" });
    expect(parsePayload(chunk({ reasoning: "so" }))).toEqual({ kind: "text", text: "", reasoning: "so" });
    expect(parsePayload(chunk({ content: "a", reasoning_content: "b", reasoning: "c" }))).toEqual({ kind: "text", text: "a", reasoning: "b" });
  });

  test("non-streaming chat completion", () => {
    const body = JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Hello there" } }] });
    expect(parsePayload(body)).toEqual({ kind: "text", text: "Hello there", reasoning: "" });
  });

  test("completions: text_completion and completion objects; empty text dropped", () => {
    expect(parsePayload(JSON.stringify({ object: "text_completion", choices: [{ text: " world" }] }))).toEqual({ kind: "text", text: " world", reasoning: "" });
    expect(parsePayload(JSON.stringify({ object: "completion", choices: [{ text: "x" }] }))).toEqual({ kind: "text", text: "x", reasoning: "" });
    expect(parsePayload(JSON.stringify({ object: "text_completion", choices: [{ text: "" }] }))).toEqual({ skip: "no-content" });
  });

  test("embeddings list is one response; a list of other things is not understood", () => {
    const ok = {
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.1, 0.2] },
        { object: "embedding", index: 1, embedding: "AAAA" },
      ],
    };
    expect(parsePayload(JSON.stringify(ok))).toEqual({ kind: "embeddings", count: 2 });
    const bad = { object: "list", data: [{ object: "model", id: "m" }] };
    expect(parsePayload(JSON.stringify(bad))).toMatchObject({ skip: "unknown-object" });
  });

  test("rankings (no object field, a rankings key)", () => {
    expect(
      parsePayload(
        JSON.stringify({
          rankings: [
            { index: 1, logit: 0.3 },
            { index: 0, logit: 0.1 },
          ],
        }),
      ),
    ).toEqual({ kind: "rankings", count: 2 });
    expect(parsePayload(JSON.stringify({ rankings: [] }))).toEqual({ skip: "no-content" });
  });

  test("responses API output_text", () => {
    expect(parsePayload(JSON.stringify({ object: "response", output_text: "ok" }))).toEqual({ kind: "text", text: "ok", reasoning: "" });
  });

  test("chunks without an object field are read by their shape", () => {
    expect(parsePayload(JSON.stringify({ choices: [{ delta: { content: "a" } }] }))).toEqual({ kind: "text", text: "a", reasoning: "" });
    expect(parsePayload(JSON.stringify({ choices: [{ text: "b" }] }))).toEqual({ kind: "text", text: "b", reasoning: "" });
    expect(parsePayload(JSON.stringify({ choices: [], usage: {} }))).toEqual({ skip: "no-content" });
  });

  test("invalid JSON and unknown objects are skipped, not thrown", () => {
    expect(parsePayload("{not json")).toMatchObject({ skip: "invalid-json" });
    expect(parsePayload("42")).toMatchObject({ skip: "unknown-object" });
    expect(parsePayload("null")).toMatchObject({ skip: "unknown-object" });
    expect(parsePayload(JSON.stringify({ object: "model" }))).toMatchObject({ skip: "unknown-object" });
    expect(parsePayload(JSON.stringify({ error: { message: "overloaded" } }))).toMatchObject({ skip: "unknown-object" });
    expect(parsePayload(JSON.stringify({ object: "chat.completion.chunk", choices: "x" }))).toEqual({ skip: "no-content" });
  });
});
