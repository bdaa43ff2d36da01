import { describe, expect, test } from "bun:test";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { cutLongRuns, MAX_RUN } from "../../src/tokenizer/long-runs.ts";

describe("over-long runs are cut before BPE", () => {
  test("text without a run over the limit is left whole", () => {
    const prose = "Call me Ishmael. Some years ago—never mind how long precisely—".repeat(200);
    expect(cutLongRuns(prose)).toBeUndefined();
    expect(cutLongRuns(`${"x".repeat(MAX_RUN)} ${"y".repeat(MAX_RUN)}`)).toBeUndefined();
  });

  test("a long run is cut into parts of at most the limit, losing nothing", () => {
    const text = `head ${"a".repeat(MAX_RUN * 3 + 7)} tail ${"!".repeat(MAX_RUN + 1)} end${" ".repeat(MAX_RUN * 2)}x`;
    const parts = cutLongRuns(text);
    expect(parts).toBeDefined();
    expect((parts as string[]).join("")).toBe(text);
    expect((parts as string[]).length).toBe(3 + 1 + 1 + 1);
  });

  test("never cuts a surrogate pair in half", () => {
    const text = "🐋".repeat(MAX_RUN); // one symbol run of 512 UTF-16 units
    const parts = cutLongRuns(`${text}${"é".repeat(MAX_RUN * 2)}`) ?? [text];
    for (const p of parts) expect(p.isWellFormed()).toBe(true);
  });

  test("counts on normal text are unchanged, degenerate text counts in linear time", async () => {
    const tok = await loadBuiltinTokenizer();
    expect(tok.count("Hello world")).toBe(2);
    // 8 a's per o200k token, and the cut falls on a multiple of 8: the same count as uncut.
    const started = performance.now();
    expect(tok.count("a".repeat(1 << 20))).toBe((1 << 20) / 8);
    expect(tok.encode("a".repeat(MAX_RUN * 4)).length).toBe((MAX_RUN * 4) / 8);
    // Uncut this took minutes; the bound is generous, the point is "not quadratic".
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
