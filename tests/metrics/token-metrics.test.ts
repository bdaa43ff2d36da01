/**
 * Newer upstream's token metrics and the ITL divisor, on hand-worked records.
 *   R0: sent at 0, chunks at +50/+100 ms, 10 output tokens, ISL 100 → e2e 10 / 0.1 s = 100 tok/s.
 *   R1: sent at 100, chunks at +40/+200 ms, 4 output tokens → e2e 4 / 0.2 s = 20 tok/s.
 *   Duration 0 → 300 ms = 0.3 s: input 200 / 0.3, total (200 + 14) / 0.3 tokens/s.
 */
import { describe, expect, test } from "bun:test";
import { computeRecordMetrics, createMetricContext, SummaryBuilder } from "../../src/metrics/index.ts";
import { USAGE_DIFF_THRESHOLD_PCT } from "../../src/metrics/token-metrics.ts";
import { makeRecord, MS } from "./fixtures.ts";

const ctx = createMetricContext({ streaming: true, producesTokens: true });

describe("token metrics", () => {
  test("time to first output token: first chunk with non-reasoning text", () => {
    const r = makeRecord(0, [50, 100], { firstOutputNs: 100 * MS });
    const v = computeRecordMetrics(r, ctx).values;
    expect(v.time_to_first_output_token).toBe(100 * MS);
    expect(v.time_to_first_token).toBe(50 * MS);
    expect(computeRecordMetrics(makeRecord(0, [50]), ctx).values.time_to_first_output_token).toBeUndefined();
  });

  test("e2e output token throughput, also without streaming", () => {
    expect(computeRecordMetrics(makeRecord(0, [50, 100], { outputTokens: 10 }), ctx).values.e2e_output_token_throughput).toBeCloseTo(100, 9);
    const plain = createMetricContext({ streaming: false, producesTokens: true });
    expect(computeRecordMetrics(makeRecord(0, [250], { outputTokens: 5 }), plain).values.e2e_output_token_throughput).toBeCloseTo(20, 9);
  });

  test("vendor usage fields become usage_* metrics; diffs against the client's counts", () => {
    const usage = {
      promptTokens: 110,
      completionTokens: 10,
      totalTokens: 120,
      reasoningTokens: null,
      extras: { promptCacheReadTokens: 55, promptAudioSeconds: 1.5 },
    };
    const v = computeRecordMetrics(makeRecord(0, [50, 100], { outputTokens: 8, usage }), ctx).values;
    expect(v.usage_prompt_cache_read_tokens).toBe(55);
    expect(v.usage_prompt_audio_seconds).toBe(1.5);
    expect(v.usage_prompt_tokens_diff_pct).toBeCloseTo(10, 9); // |110 − 100| / 100
    expect(v.usage_completion_tokens_diff_pct).toBeCloseTo(25, 9); // |10 − 8| / 8
    expect(v.usage_discrepancy_count).toBe(1); // 25 % > 10 %
    const close = computeRecordMetrics(makeRecord(0, [50, 100], { outputTokens: 10, usage: { ...usage, promptTokens: 100 } }), ctx).values;
    expect(close.usage_discrepancy_count).toBe(0);
    expect(USAGE_DIFF_THRESHOLD_PCT).toBe(10);
  });

  test("derived: input and total token throughput, usage totals, cache-read share", () => {
    const b = new SummaryBuilder({ context: ctx });
    const u = (prompt: number, cached: number) => ({
      promptTokens: prompt,
      completionTokens: 1,
      totalTokens: prompt + 1,
      reasoningTokens: null,
      extras: { promptCacheReadTokens: cached },
    });
    b.add(makeRecord(0, [50, 100], { outputTokens: 10, usage: u(100, 20) }));
    b.add(makeRecord(100, [40, 200], { outputTokens: 4, usage: u(300, 60) }));
    const res = new Map(b.summarize().results.map((r) => [r.tag, r.avg]));
    expect(res.get("benchmark_duration")).toBe(300 * MS);
    expect(res.get("input_token_throughput")).toBeCloseTo(200 / 0.3, 9);
    expect(res.get("total_token_throughput")).toBeCloseTo(214 / 0.3, 9);
    expect(res.get("total_usage_prompt_tokens")).toBe(400);
    expect(res.get("total_usage_prompt_cache_read_tokens")).toBe(80);
    expect(res.get("overall_usage_prompt_cache_read_pct")).toBeCloseTo(20, 9);
    expect(res.get("usage_discrepancy_count")).toBe(2); // completion 1 vs OSL 10 and 4
  });
});

describe("ITL divisor (reconcile.ts)", () => {
  test("one token in the first chunk: v0.1.1's (latency − TTFT) / (OSL − 1)", () => {
    const v = computeRecordMetrics(makeRecord(0, [50, 100], { outputTokens: 11, tokens: { tokenizerTokens: 11, firstChunkTokens: 1 } }), ctx).values;
    expect(v.inter_token_latency).toBe((50 * MS) / 10);
  });

  test("k tokens in the first chunk: the decode time is spread over OSL − k tokens", () => {
    // 12 tokens in chunks of 4 at +50, +70, +90 ms: 8 tokens came in the 40 ms after the first chunk.
    const r = makeRecord(0, [50, 70, 90], { outputTokens: 12, tokens: { tokenizerTokens: 12, firstChunkTokens: 4 } });
    const v = computeRecordMetrics(r, ctx).values;
    expect(v.inter_token_latency).toBe((40 * MS) / 8);
    expect(v.output_token_throughput_per_user).toBeCloseTo(200, 9);
  });

  test("per-chunk usage wins; no ITL when the first chunk holds every token", () => {
    const r = makeRecord(0, [50, 100], { outputTokens: 3, tokens: { tokenizerTokens: 3, firstChunkTokens: 3, chunkTokens: [3, 0] } });
    expect(computeRecordMetrics(r, ctx).values.inter_token_latency).toBeUndefined();
  });
});
