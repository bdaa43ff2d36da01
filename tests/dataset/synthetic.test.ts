import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import {
  createLengthSampler,
  createPromptGenerator,
  createRng,
  deriveSeed,
  loadPromptGenerator,
  readBuiltinCorpus,
  samplePositiveNormalInteger,
  tokenizeCorpus,
} from "../../src/dataset/synthetic/index.ts";
import { loadBuiltinTokenizer, loadHfTokenizer } from "../../src/tokenizer/index.ts";

const TINY_BPE = resolve(import.meta.dir, "../fixtures/tiny-bpe");
const EXACT_LENGTHS = [0, 1, 7, 550, 4000];

function meanAndStddev(xs: number[]): { mean: number; stddev: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, stddev: Math.sqrt(variance) };
}

describe("seeded generator", () => {
  test("the same seed repeats, another seed differs", () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(2 ** 40 + 1)).not.toEqual(draw(1)); // high bits of big seeds count
  });

  test("uniform draws stay in [0, 1) and fill ten bins evenly", () => {
    const rng = createRng(7);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const bin = Math.floor(x * 10);
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500); // σ ≈ 95
  });

  test("int(n) covers [0, n) and rejects bad sizes", () => {
    const rng = createRng(3);
    const seen = new Set(Array.from({ length: 1000 }, () => rng.int(5)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.int(2.5)).toThrow(RangeError);
  });

  test("normal draws have the asked mean and standard deviation", () => {
    const rng = createRng(11);
    const { mean, stddev } = meanAndStddev(Array.from({ length: 200_000 }, () => rng.normal(550, 50)));
    expect(Math.abs(mean - 550)).toBeLessThan(0.5); // standard error ≈ 0.11
    expect(Math.abs(stddev - 50)).toBeLessThan(0.5);
  });

  test("derived streams differ by name and by seed", () => {
    expect(deriveSeed(1, "isl")).toBe(deriveSeed(1, "isl"));
    expect(deriveSeed(1, "isl")).not.toBe(deriveSeed(1, "osl"));
    expect(deriveSeed(1, "isl")).not.toBe(deriveSeed(2, "isl"));
  });
});

describe("length sampling", () => {
  test("stddev 0 gives exactly the mean", () => {
    const sample = createLengthSampler(createRng(1), { mean: 550, stddev: 0 });
    for (let i = 0; i < 100; i++) expect(sample()).toBe(550);
  });

  test("draws are integers ≥ 0 with about the asked mean", () => {
    const sample = createLengthSampler(createRng(5), { mean: 550, stddev: 40 });
    const xs = Array.from({ length: 50_000 }, sample);
    for (const x of xs) expect(Number.isInteger(x) && x >= 0).toBe(true);
    const { mean, stddev } = meanAndStddev(xs);
    expect(Math.abs(mean - 550.5)).toBeLessThan(1); // ceil adds ½ on average
    expect(Math.abs(stddev - 40)).toBeLessThan(1);
  });

  test("rejection keeps a mean-0 distribution non-negative (a half-normal)", () => {
    const rng = createRng(9);
    const xs = Array.from({ length: 50_000 }, () => samplePositiveNormalInteger(rng, 0, 10));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    // E[ceil(|N(0,10)|)] ≈ 10·√(2/π) + ½ ≈ 8.48
    expect(Math.abs(meanAndStddev(xs).mean - 8.48)).toBeLessThan(0.2);
  });

  test("rejects a negative mean or stddev", () => {
    expect(() => createLengthSampler(createRng(1), { mean: -1, stddev: 1 })).toThrow(RangeError);
    expect(() => createLengthSampler(createRng(1), { mean: 1, stddev: -1 })).toThrow(RangeError);
  });
});

describe("corpus", () => {
  test("is the embedded public-domain text, tokenized once", async () => {
    const text = await readBuiltinCorpus();
    expect(text.startsWith("CHAPTER 1. Loomings.")).toBe(true);
    const ids = tokenizeCorpus(text, await loadBuiltinTokenizer());
    expect(ids.length).toBe(85_751); // blank lines dropped, lines joined by spaces
  });
});

describe("prompts of exactly N tokens", () => {
  test("builtin tokenizer: every N re-encodes exactly", async () => {
    const tok = await loadBuiltinTokenizer();
    const prompts = await loadPromptGenerator(tok, { seed: 1 });
    for (const n of EXACT_LENGTHS) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
    for (let n = 1; n <= 300; n += 1) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
  });

  test("HF byte-level tokenizer: every N re-encodes exactly", async () => {
    const tok = await loadHfTokenizer(TINY_BPE);
    const prompts = await loadPromptGenerator(tok, { seed: 2 });
    for (const n of EXACT_LENGTHS) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
    for (let n = 1; n <= 200; n += 3) expect(tok.count(prompts.promptOfTokens(n))).toBe(n);
  });

  test("wraps around a corpus shorter than the prompt", async () => {
    const tok = await loadBuiltinTokenizer();
    const corpus = tokenizeCorpus("Call me Ishmael. Some years ago, never mind how long precisely.", tok);
    const prompts = createPromptGenerator(tok, corpus, createRng(4));
    expect(tok.count(prompts.promptOfTokens(500))).toBe(500);
    expect(prompts.sampleTokens(40)).toHaveLength(40);
  });

  test("the same seed gives the same prompts, another seed others", async () => {
    const tok = await loadBuiltinTokenizer();
    const run = async (seed: number) => {
      const prompts = await loadPromptGenerator(tok, { seed });
      return [550, 10, 4000, 1].map((n) => prompts.promptOfTokens(n));
    };
    const first = await run(123);
    expect(await run(123)).toEqual(first);
    expect(await run(124)).not.toEqual(first);
  });

  test("rejects a negative or fractional N", async () => {
    const tok = await loadBuiltinTokenizer();
    const prompts = await loadPromptGenerator(tok, { seed: 1, corpusText: "a b c d e f" });
    expect(() => prompts.promptOfTokens(-1)).toThrow(RangeError);
    expect(() => prompts.promptOfTokens(1.5)).toThrow(RangeError);
  });
});
