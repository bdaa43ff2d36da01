import { describe, expect, test } from "bun:test";
import type { ParsedResponse, Skip } from "../../src/endpoints/parsed.ts";
import { endpointFor } from "../../src/endpoints/registry.ts";
import { ChunkTemplate } from "../../src/replies/chunk-template.ts";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { parseRecord } from "../../src/replies/parse-record.ts";
import { streamed } from "./support.ts";

const chat = (data: string): ParsedResponse | Skip => endpointFor("chat").parseResponse(data);
const completions = (data: string): ParsedResponse | Skip => endpointFor("completions").parseResponse(data);

/** A vLLM-shaped chat chunk, as the mock server writes it. */
const chunk = (content: string): string =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
  });
const PREFIX = chunk("@").slice(0, chunk("@").indexOf('"@"') + 1);
const SUFFIX = chunk("@").slice(chunk("@").indexOf('"@"') + 2);
/** A chunk with the text's literal body (between its quotes) as written: a server may escape differently from JSON.stringify. */
const spliced = (literalBody: string): string => PREFIX + literalBody + SUFFIX;

function learned(parse = chat, from = chunk("Hello")): ChunkTemplate {
  const t = new ChunkTemplate((d) => parse(d));
  t.learn(from, undefined, parse(from));
  return t;
}

describe("chunk templates: a chunk that fits parses to what the full parser says", () => {
  const fitting = ["world", " ", 'say "hi"', "back\\slash", "line\nfeed", "tab\there", "é😀 中文", "\u2028", '{"json":[1]}', "a".repeat(5000)];
  test.each(fitting)("text %j takes the fast path with the same result", (text) => {
    const data = chunk(text);
    const fast = learned().match(data, undefined);
    expect(fast).toBeDefined();
    expect(fast).toEqual(chat(data) as ParsedResponse);
  });

  test("escapes JSON.stringify would not write (\\u, \\/) decode as the full parser decodes them", () => {
    for (const body of ["\\u00e9t\\u00e9", "a\\/b", "\\ud83d\\ude00", "\\b\\f\\r"]) {
      const data = spliced(body);
      expect(learned().match(data, undefined)).toEqual(chat(data) as ParsedResponse);
    }
  });

  test("anything that does not fit is left to the full parser (undefined)", () => {
    const t = learned();
    const misfits = [
      spliced("bad \\q escape"), // invalid JSON: the full path counts it as an invalid line
      spliced("raw \u0001 control"),
      spliced("unterminated \\"),
      spliced('two" "strings'),
      spliced(""), // empty text is no content
      chunk("x").replace('"finish_reason":null', '"finish_reason":"length"'),
      JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { reasoning_content: "r" } }] }),
      "[DONE]",
      "",
    ];
    for (const data of misfits) expect(t.match(data, undefined)).toBeUndefined();
    // The finish chunk differs after the text, so it is read fully too.
    expect(chat(spliced("bad \\q escape"))).toEqual({ skip: "invalid-json", detail: expect.any(String) });
  });

  test("an event name must match the one the template was learned with", () => {
    const t = new ChunkTemplate((d) => chat(d));
    t.learn(chunk("a"), "message", chat(chunk("a")));
    expect(t.match(chunk("b"), "message")).toEqual({ kind: "text", text: "b", reasoning: "" });
    expect(t.match(chunk("b"), undefined)).toBeUndefined();
    expect(t.match(chunk("b"), "error")).toBeUndefined();
  });

  test("completions chunks learn their own template", () => {
    const c = (text: string): string =>
      JSON.stringify({ id: "cmpl-1", object: "text_completion", created: 1, model: "m", choices: [{ index: 0, text, logprobs: null, finish_reason: null }] });
    const t = learned(completions, c("first"));
    expect(t.match(c("second"), undefined)).toEqual(completions(c("second")) as ParsedResponse);
  });
});

describe("chunk templates: nothing is learned where the probe shows it would be wrong", () => {
  const notLearned = (t: ChunkTemplate): void => expect(t.match(chunk("anything"), undefined)).toBeUndefined();

  test("a parser that rewrites the text (trims it) fails the probe", () => {
    const trimming = (d: string): ParsedResponse | Skip => {
      const r = chat(d);
      return "kind" in r && r.kind === "text" ? { ...r, text: r.text.trim() } : r;
    };
    notLearned(learned(trimming, chunk("Hello")));
  });

  test("a chunk with usage on it (per-chunk usage stats) is not a template", () => {
    const withUsage = JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "a" } }], usage: { completion_tokens: 1 } });
    const t = new ChunkTemplate((d) => chat(d));
    t.learn(withUsage, undefined, chat(withUsage));
    expect(t.match(withUsage.replace('"a"', '"b"'), undefined)).toBeUndefined();
  });

  test("text that occurs twice in the chunk (here also the id) is ambiguous", () => {
    const twice = JSON.stringify({ id: "Hello", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "Hello" } }] });
    notLearned(learned(chat, twice));
  });

  test("a top-level error next to the text would make the probe an SSE error", () => {
    const errored = JSON.stringify({ object: "chat.completion.chunk", error: { message: "boom" }, choices: [{ index: 0, delta: { content: "a" } }] });
    notLearned(learned(chat, errored));
  });
});

describe("parseRecord with templates: the record is what parsing every chunk fully gives", () => {
  const ctx = { endpointType: "chat" as const, counter: whitespaceCounter, processorId: "rp", dataset: { inputTokens: () => 1, conversationId: () => "c" } };

  test("a garbled chunk that fits the template's frame is still counted as an invalid line", () => {
    const parts = [chunk("one"), chunk("two"), spliced("bad \\q"), chunk("three"), spliced("lone \u0002"), chunk(" four")];
    const { raw, chunks } = streamed(parts.map((p, i) => ({ text: `data: ${p}\n\n`, ns: 100 + i })));
    const r = parseRecord(raw, chunks, ctx);
    expect(r.invalidSseLines).toBe(2);
    expect(r.responseNs).toEqual([100, 101, 103, 105]);
    expect(r.outputTokens).toBe(2); // "onetwothree four"
  });

  test("an error event after templated chunks still fails the request", () => {
    const { raw, chunks } = streamed([
      { text: `data: ${chunk("a")}\n\n`, ns: 1 },
      { text: `data: ${chunk("b")}\n\n`, ns: 2 },
      { text: `event: error\ndata: ${chunk("c")}\n\n`, ns: 3 },
    ]);
    expect(parseRecord(raw, chunks, ctx).error?.type).toBe("SSEResponseError");
  });
});
