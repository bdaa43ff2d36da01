import { describe, expect, test } from "bun:test";
import { createPromptGenerator, createRng } from "../../src/dataset/synthetic/index.ts";
import type { Tokenizer } from "../../src/tokenizer/index.ts";

/**
 * A word-level tokenizer whose decode → encode is not the identity, to drive the repair paths:
 * `merges` join two adjacent words into one token on encode, and `splits` decode one id to
 * several words. Calls to `count` are tallied.
 */
function wordTokenizer(vocab: string[], merges: Record<string, string> = {}): Tokenizer & { counts: number } {
  const ids = new Map(vocab.map((w, i) => [w, i]));
  const tok = {
    name: "words",
    counts: 0,
    encode(text: string): number[] {
      const words = text.split(" ").filter((w) => w !== "");
      const out: number[] = [];
      for (let i = 0; i < words.length; i++) {
        const merged = merges[`${words[i]} ${words[i + 1]}`];
        if (merged !== undefined) i++;
        out.push(ids.get(merged ?? words[i] ?? "") ?? 0);
      }
      return out;
    },
    decode: (list: readonly number[]) => list.map((id) => vocab[id] ?? "").join(" "),
    count(text: string): number {
      tok.counts++;
      return tok.encode(text).length;
    },
  };
  return tok;
}

describe("prompt repair", () => {
  test("grows the window when ids merge across the cut", () => {
    // "new york" re-encodes as one token, so a window of n ids can count n − 1.
    const tok = wordTokenizer(["?", "new", "york", "is", "big", "new york"], { "new york": "new york" });
    const corpus = Uint32Array.from([1, 2, 3, 4, 1, 2, 3, 4]);
    const prompts = createPromptGenerator(tok, corpus, createRng(1));
    for (let n = 1; n <= 60; n++) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
  });

  test("trims characters when no window can hit N (every id decodes to two words)", () => {
    // Each id decodes to "a b": windows always count 2k, so odd N needs the last resort.
    const tok = wordTokenizer(["a b", "a", "b"]);
    const prompts = createPromptGenerator(tok, Uint32Array.from([0, 0, 0]), createRng(2));
    for (const n of [1, 3, 7, 31]) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
    for (const n of [2, 8]) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
  });

  test("always terminates, with a bounded number of counts per prompt", () => {
    // Degenerate: every window decodes to nothing, so no text can ever reach N.
    const tok = wordTokenizer([""]);
    const prompts = createPromptGenerator(tok, Uint32Array.from([0]), createRng(3));
    const before = tok.counts;
    const text = prompts.promptOfTokens(5);
    expect(tok.counts - before).toBeLessThanOrEqual(16 * 12); // starts × resizes
    expect(tok.count(text)).toBe(0); // the closest it could get
  });
});
