/** Token-accounting reconciliation: tokenizer vs server usage vs content chunks, per request and over a run. */
import { describe, expect, test } from "bun:test";
import { accountRecord, oslMismatchTokens, TokenReconciler } from "../../src/metrics/reconcile.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { makeRecord } from "./fixtures.ts";

const usage = (completion: number) => ({ promptTokens: 5, completionTokens: completion, totalTokens: completion + 5, reasoningTokens: null });
const chunksAt = (n: number): number[] => Array.from({ length: n }, (_, i) => 10 + i * 5);

function rec(chunks: number, tokenizer: number, server: number | null, first: number, over: Partial<RequestRecord> = {}): RequestRecord {
  const tokens = { tokenizerTokens: tokenizer, firstChunkTokens: first };
  return makeRecord(0, chunksAt(chunks), {
    outputTokens: tokenizer,
    ...(server === null ? {} : { usage: usage(server) }),
    ...over,
    tokens: { ...tokens, ...over.tokens },
  });
}

describe("per request", () => {
  test("one token per chunk plus the billed end-of-sequence token is agreement", () => {
    const a = accountRecord(rec(10, 10, 11, 1));
    expect(a).toMatchObject({ tokenizer: 10, server: 11, chunks: 10, firstChunk: 1, multiToken: false, fewerTokensThanChunks: false });
    expect(a?.serverDiffPct).toBeCloseTo(10, 9);
  });

  test("a multi-token first chunk, or usage far above the chunk count, is multi-token", () => {
    expect(accountRecord(rec(4, 12, 12, 3))?.multiToken).toBe(true);
    expect(accountRecord(rec(10, 10, 20, 1))?.multiToken).toBe(true);
  });

  test("per-chunk usage is exact: max and number of multi-token chunks", () => {
    const a = accountRecord(rec(3, 6, 6, 1, { tokens: { tokenizerTokens: 6, firstChunkTokens: 1, chunkTokens: [1, 3, 2] } }));
    expect(a).toMatchObject({ maxChunkTokens: 3, multiTokenChunks: 2, multiToken: true });
  });

  test("error records and records without accounting are left out", () => {
    expect(accountRecord(makeRecord(0, [10]))).toBeNull();
    expect(accountRecord(rec(2, 2, 2, 1, { error: { code: 500, type: "x", message: "y" } }))).toBeNull();
  });

  test("upstream's OSL mismatch threshold: min(5 % of requested, 50)", () => {
    expect(oslMismatchTokens(100)).toBe(5);
    expect(oslMismatchTokens(4000)).toBe(50);
  });
});

describe("over the run", () => {
  const r = new TokenReconciler(10);
  r.add(rec(4, 12, 12, 3)); // packed
  r.add(rec(10, 10, 11, 1)); // fine
  r.add(rec(10, 14, 10, 1)); // tokenizer 40 % above the server
  r.add(rec(10, 6, null, 1)); // fewer tokens than chunks, no usage
  r.add(rec(5, 40, 40, 1, { tokens: { tokenizerTokens: 40, firstChunkTokens: 1, requestedTokens: 100 } })); // stopped early (and packed)
  const report = r.report();

  test("totals side by side", () => {
    expect(report.requests).toBe(5);
    expect(report.totals).toEqual({ tokenizer: 82, server: 73, chunks: 39, requested: 100 });
    expect(report.requestsWith).toEqual({ tokenizer: 5, server: 4, perChunkUsage: 0, requested: 1 });
    // Reference (server, else tokenizer): 12 + 11 + 10 + 6 + 40 = 79 tokens over 39 chunks.
    expect(report.tokensPerChunk.mean).toBeCloseTo(79 / 39, 12);
    expect(report.tokensPerChunk.firstChunkMax).toBe(3);
  });

  test("disagreements and findings", () => {
    expect(report.tokenizerVsServer).toEqual({ compared: 4, disagree: 1, diffPct: (Math.abs(73 - 76) / 76) * 100 });
    expect(report.multiTokenRequests).toBe(2);
    expect(report.itlAdjustedRequests).toBe(1);
    expect(report.fewerTokensThanChunks).toBe(1);
    expect(report.requestedVsOutput).toEqual({ compared: 1, short: 1, long: 0 });
    expect(report.findings.map((f) => [f.id, f.requests])).toEqual([
      ["tokenizer_vs_server", 1],
      ["multi_token_chunks", 2],
      ["fewer_tokens_than_chunks", 1],
      ["output_shorter_than_requested", 1],
    ]);
    const advice = report.findings.map((f) => f.advice).join(" ");
    expect(advice).toContain("--tokenizer");
    expect(advice).toContain("ignore_eos");
    expect(advice).toContain("min_tokens");
  });

  test("agreeing counts give no findings", () => {
    const ok = new TokenReconciler();
    ok.add(rec(10, 10, 10, 1));
    expect(ok.report().findings).toEqual([]);
  });
});

describe("without streaming", () => {
  test("one response per request is not a multi-token chunk; the counts are still compared", () => {
    const r = new TokenReconciler(10, false);
    r.add(rec(1, 32, 40, 32));
    const report = r.report();
    expect(report.multiTokenRequests).toBe(0);
    expect(report.itlAdjustedRequests).toBe(0);
    expect(report.fewerTokensThanChunks).toBe(0);
    expect(report.findings.map((f) => f.id)).toEqual(["tokenizer_vs_server"]);
    expect(accountRecord(rec(1, 32, 32, 32), 10, true)?.multiToken).toBe(true);
  });
});
