/**
 * Peer definitions on three hand-worked requests (ISL 100 each; times in ms after each start):
 *   A: sent at 0,   chunks +20 +30 +40 +50, tokenizer 5, usage 6  → TTFT 20, latency 50
 *   B: sent at 100, chunks +10 +40,         tokenizer 3, no usage, asked for 4 → TTFT 10, latency 40
 *   C: sent at 200, chunk  +30,             tokenizer 1, usage 1  → TTFT 30, latency 30
 * Duration 0 → 230 ms = 0.23 s. Per-chunk gaps pooled: [10, 10, 10, 30].
 *   vLLM:   out usage, else tokenizer: 6+3+1 = 10; TPOT A (50−20)/5 = 6, B 30/2 = 15 (C: one token, none).
 *   SGLang: out usage, else requested, else tokenizer: 6+4+1 = 11; TPOT A 6, B 30/3 = 10;
 *           retokenized 9; concurrency (50+40+30)/230.
 *   GenAI-Perf: ITL round(30e6/4) ns = 7.5 ms, 15 ms; per request 5/0.05 = 100, 3/0.04 = 75, 1/0.03.
 */
import { describe, expect, test } from "bun:test";
import { createMetricContext, SummaryBuilder } from "../../src/metrics/index.ts";
import { PeerAccumulator } from "../../src/metrics/peers.ts";
import { makeRecord } from "./fixtures.ts";

const ctx = createMetricContext({ streaming: true, producesTokens: true });
const usage = (n: number) => ({ promptTokens: 100, completionTokens: n, totalTokens: n + 100, reasoningTokens: null });

function run() {
  const builder = new SummaryBuilder({ context: ctx });
  const peers = new PeerAccumulator();
  const records = [
    makeRecord(0, [20, 30, 40, 50], { outputTokens: 5, usage: usage(6), tokens: { tokenizerTokens: 5, firstChunkTokens: 1 } }),
    makeRecord(100, [10, 40], { outputTokens: 3, tokens: { tokenizerTokens: 3, firstChunkTokens: 1, requestedTokens: 4 } }),
    makeRecord(200, [30], { outputTokens: 1, usage: usage(1), tokens: { tokenizerTokens: 1, firstChunkTokens: 1 } }),
  ];
  for (const r of records) {
    const m = builder.add(r);
    if (m) peers.add(r, m);
  }
  return peers.report(builder.summarize().results);
}

describe("peer definitions", () => {
  const r = run();

  test("duration", () => {
    expect(r.durationSec).toBeCloseTo(0.23, 12);
  });

  test("vLLM bench serve", () => {
    expect(r.vllm.outputTokens).toBe(10);
    expect(r.vllm.outputThroughput).toBeCloseTo(10 / 0.23, 9);
    expect(r.vllm.totalTokenThroughput).toBeCloseTo(310 / 0.23, 9);
    expect(r.vllm.tpotMs?.avg).toBeCloseTo(10.5, 9);
    expect(r.vllm.tpotMs?.p50).toBeCloseTo(10.5, 9);
    expect(r.vllm.tpotMs?.std).toBeCloseTo(4.5, 9);
    expect(r.vllm.tpotMs?.p99).toBeCloseTo(6 + 0.99 * 9, 9);
    expect(r.vllm.itlMs?.avg).toBeCloseTo(15, 9);
    expect(r.vllm.itlMs?.p50).toBeCloseTo(10, 9);
    expect(r.vllm.itlMs?.p99).toBeCloseTo(10 + 0.97 * 20, 9);
    expect(r.vllm.itlMs?.std).toBeCloseTo(Math.sqrt(75), 9);
  });

  test("SGLang bench_serving: server counts where reported, else the requested length", () => {
    expect(r.sglang.outputTokens).toBe(11);
    expect(r.sglang.outputThroughput).toBeCloseTo(11 / 0.23, 9);
    expect(r.sglang.totalTokenThroughput).toBeCloseTo(311 / 0.23, 9);
    expect(r.sglang.retokenizedOutputThroughput).toBeCloseTo(9 / 0.23, 9);
    expect(r.sglang.tpotMs?.avg).toBeCloseTo(8, 9);
    expect(r.sglang.tpotMs?.std).toBeCloseTo(2, 9);
    expect(r.sglang.tpotMs?.p99).toBeCloseTo(6 + 0.99 * 4, 9);
    expect(r.sglang.concurrency).toBeCloseTo(120 / 230, 12);
    expect(r.sglang.itlMs?.max).toBeCloseTo(30, 9);
  });

  test("GenAI-Perf", () => {
    expect(r.genaiPerf.outputTokens).toBe(9);
    expect(r.genaiPerf.outputThroughput).toBeCloseTo(9 / 0.23, 9);
    expect(r.genaiPerf.itlMs?.avg).toBeCloseTo(11.25, 9);
    expect(r.genaiPerf.itlMs?.min).toBeCloseTo(7.5, 9);
    expect(r.genaiPerf.itlMs?.max).toBeCloseTo(15, 9);
    expect(r.genaiPerf.outputThroughputPerRequest?.avg).toBeCloseTo((100 + 75 + 100 / 3) / 3, 9);
  });

  test("GenAI-Perf rounds each request's ITL to whole ns", () => {
    const builder = new SummaryBuilder({ context: ctx });
    const peers = new PeerAccumulator();
    // (10 ms) / 3 tokens = 3,333,333.33 ns → 3,333,333 ns.
    const rec = makeRecord(0, [5, 15], { outputTokens: 4, tokens: { tokenizerTokens: 4, firstChunkTokens: 1 } });
    const m = builder.add(rec);
    if (m) peers.add(rec, m);
    const g = peers.report(builder.summarize().results).genaiPerf.itlMs?.avg;
    expect(g).toBeCloseTo(3.333333, 9);
  });
});
