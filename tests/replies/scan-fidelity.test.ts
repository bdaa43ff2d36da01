/**
 * The in-place read of the usual chunk (sse.ts `scan` + the chunk template's `matchIn`) must give
 * the record the message-by-message path gives. That path runs when a reply's reads are not back
 * to back in one buffer, so each reply here is parsed twice: as views into one buffer (as the
 * raw batch cuts them) and as separate copies; the records must be equal, field by field.
 */
import { describe, expect, test } from "bun:test";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { type ParseContext, parseRecord } from "../../src/replies/parse-record.ts";
import { rawRecord } from "./support.ts";

const context = (): ParseContext => ({
  endpointType: "chat",
  counter: whitespaceCounter,
  processorId: "record-processor:0",
  dataset: { inputTokens: () => 7, conversationId: (c) => `conv-${c}` },
  captureText: true,
  requestedTokens: () => 50,
});

/** Deterministic xorshift, so a failure names its seed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const chunk = (delta: object, extra: object = {}): string =>
  JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }], ...extra });

const TOKENS = ["the", " of", " and", ' "quoted"', " back\\slash", "\ttab", "line\nfeed", " café", " 日本", " 🙂", "", " a\u0000b", " </s>", "{", "}"];

/** One streamed reply as text: the mock's shape with odd tokens, keep-alives, CRLF, events, errors, usage. */
function reply(next: () => number, asciiOnly: boolean): string {
  const nl = next() < 0.2 ? "\r\n" : "\n";
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const tokens = asciiOnly ? TOKENS.filter((t) => /^[\x00-\x7f]*$/.test(t)) : TOKENS;
  let out = next() < 0.5 ? `: ok${nl}${nl}` : "";
  out += `data: ${chunk({ role: "assistant" })}${nl}${nl}`;
  const n = 1 + Math.floor(next() * 30);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.05) out += `: keep-alive${nl}${nl}`;
    else if (r < 0.08) out += `: keep-alive${nl}data: ${chunk({ content: pick(tokens) })}${nl}${nl}`;
    else if (r < 0.1) out += `event: delta${nl}data: ${chunk({ content: pick(tokens) })}${nl}${nl}`;
    else if (r < 0.12) out += `data: ${chunk({ reasoning_content: pick(tokens) })}${nl}${nl}`;
    else if (r < 0.14) out += `data: ${chunk({ content: pick(tokens) }, { usage: { completion_tokens: i } })}${nl}${nl}`;
    else if (r < 0.15) out += `data: {not json${nl}${nl}`;
    else if (r < 0.16) out += `data: {"object":"chat.completion.chunk",${nl}data: "choices":[{"index":0,"delta":{"content":"two lines"}}]}${nl}${nl}`;
    else if (r < 0.165) out += `data: ${JSON.stringify({ error: { message: "overloaded", code: 503 } })}${nl}${nl}`;
    else if (r < 0.17) out += `event: error${nl}data: boom${nl}${nl}`;
    else if (r < 0.18)
      out += `data:${chunk({ content: pick(tokens) })}${nl}${nl}`; // no space after the colon
    else if (r < 0.19) out += `id: 7${nl}data: ${chunk({ content: pick(tokens) })}${nl}${nl}`;
    else out += `data: ${chunk({ content: pick(tokens) })}${nl}${nl}`;
  }
  out += `data: ${chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: "length" }] })}${nl}${nl}`;
  if (next() < 0.5)
    out += `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 3, completion_tokens: n } })}${nl}${nl}`;
  out += next() < 0.9 ? `data: [DONE]${nl}${nl}` : `data: [DONE]`; // sometimes no final blank line
  return out;
}

/** The reply's bytes cut at random points: once as views into one buffer, once as copies. */
function reads(bytes: Uint8Array, next: () => number): { views: Uint8Array[]; copies: Uint8Array[]; ns: number[] } {
  const views: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const len = next() < 0.3 ? 1 + Math.floor(next() * 8) : 1 + Math.floor(next() * 400);
    views.push(bytes.subarray(at, Math.min(bytes.length, at + len)));
    at += len;
  }
  return { views, copies: views.map((v) => v.slice()), ns: views.map((_, i) => 1_000 + i * 10) };
}

function both(text: string, next: () => number) {
  const bytes = new TextEncoder().encode(text);
  const { views, copies, ns } = reads(bytes, next);
  const raw = rawRecord({ chunkNs: ns, chunkBytes: views.map((v) => v.byteLength) });
  return { fast: parseRecord(raw, views, context()), slow: parseRecord(raw, copies, context()) };
}

describe("the in-place chunk read gives the message-by-message record", () => {
  test("2,000 fuzzed ASCII replies (odd tokens, keep-alives, CRLF, events, errors, usage, split reads)", () => {
    let errors = 0;
    let hits = 0;
    for (let seed = 1; seed <= 2_000; seed++) {
      const next = rng(seed);
      const { fast, slow } = both(reply(next, true), next);
      if (fast.error !== null) errors++;
      else hits += fast.responseNs.length;
      expect({ seed, record: fast }).toEqual({ seed, record: slow });
    }
    // The cases above must include both outcomes, or the comparison proves little.
    expect(errors).toBeGreaterThan(20);
    expect(hits).toBeGreaterThan(10_000);
  });

  test("non-ASCII replies (the whole-text read does not apply) are parsed the same too", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = rng(seed * 7919);
      const { fast, slow } = both(reply(next, false), next);
      expect({ seed, record: fast }).toEqual({ seed, record: slow });
    }
  });

  test("a mock-shaped 50-chunk reply, one read per message: every chunk's text, stamp and the count", () => {
    const words = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? " the" : i % 3 === 1 ? ' "of"' : " and\\"));
    const text = `: ok\n\ndata: ${chunk({ role: "assistant" })}\n\n${words.map((w) => `data: ${chunk({ content: w })}\n\n`).join("")}data: [DONE]\n\n`;
    const bytes = new TextEncoder().encode(text);
    const ends: number[] = [];
    for (let at = text.indexOf("\n\n"); at >= 0; at = text.indexOf("\n\n", at + 2)) ends.push(at + 2);
    const views = ends.map((end, i) => bytes.subarray(i === 0 ? 0 : (ends[i - 1] as number), end));
    const ns = views.map((_, i) => 100 + i);
    const r = parseRecord(rawRecord({ chunkNs: ns, chunkBytes: views.map((v) => v.byteLength) }), views, context());
    expect(r.error).toBeNull();
    expect(r.responseNs).toEqual(ns.slice(2, 52));
    expect(r.responseText).toBe(words.join(""));
    expect(r.outputTokens).toBe(whitespaceCounter.count(words.join("")));
    expect([r.firstOutputNs, r.endNs]).toEqual([102, 151]);
  });
});
