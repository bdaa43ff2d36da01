/**
 * Token accounting on the compiled binary: a mock that packs 4 tokens per SSE chunk must show up
 * in the token_accounting JSON block, the JSONL lines and the console panel, and inter_token_latency
 * must divide by OSL − 4; a mock with one token per chunk must give no finding and no panel.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary, type MockServer, runProfile, startMockServer, readExport, readRecords } from "./support.ts";

type Json = Record<string, any>;
const exported = (dir: string): Json => readExport(dir);
const lines = (dir: string): Json[] => readRecords(dir);

const FLAGS = ["--streaming", "--request-count", "8", "--concurrency", "2", "--isl", "32", "--osl", "32", "--tokenizer", "builtin"];

let packed: MockServer;
let plain: MockServer;
beforeAll(async () => {
  await ensureBinary();
  [packed, plain] = await Promise.all([
    startMockServer(["--ttft", "20", "--itl", "4", "--tokens-per-chunk", "4"]),
    startMockServer(["--ttft", "20", "--itl", "4"]),
  ]);
}, 180_000);
afterAll(async () => {
  await packed?.stop();
  await plain?.stop();
});

describe("token accounting (compiled)", () => {
  test("4 tokens per chunk: the block, the JSONL counts, the panel, the peer table and the ITL divisor", async () => {
    const r = await runProfile(packed.url, [...FLAGS, "--peer-metrics"]);
    const json = exported(r.dir);
    const ta = json.token_accounting;
    // 8 requests × 32 tokens, in 8 chunks of 4 each.
    expect(ta.requests).toBe(8);
    expect(ta.totals.server_completion_tokens).toBe(256);
    expect(ta.totals.content_chunks).toBe(64);
    expect(ta.totals.requested_output_tokens).toBe(256);
    expect(ta.tokens_per_chunk.mean).toBe(4);
    expect(ta.tokens_per_chunk.first_chunk_max).toBe(4);
    expect(ta.multi_token_chunk_requests).toBe(8);
    expect(ta.itl_divisor_adjusted_requests).toBe(8);
    expect(ta.findings.map((f: Json) => f.id)).toContain("multi_token_chunks");
    const line = lines(r.dir)[0] as Json;
    expect(line.token_accounting).toMatchObject({ server_completion_tokens: 32, content_chunks: 8, first_chunk_tokens: 4, requested_output_tokens: 32 });

    // Same records, two divisors: AIPerf's OSL − 4 against vLLM's OSL − 1, per request, so the means keep the ratio 31/28.
    const itl = json.inter_token_latency.avg as number;
    const vllm = json.peer_metrics.vllm_bench_serve.tpot_ms.mean as number;
    expect(vllm).toBeCloseTo((itl * 28) / 31, 6);
    // The mock writes a token every 4 ms: the adjusted ITL sees about that (OSL − 1 would give 4 × 28/31 ≈ 3.6).
    expect(itl).toBeGreaterThan(3.7);
    expect(itl).toBeLessThan(8);
    expect(json.peer_metrics.sglang_bench_serving.output_tokens).toBe(256);

    expect(r.out).toContain("NVIDIA AIPerf | Token Accounting");
    expect(r.out).toMatch(/Content chunks\s*│\s*64\s*│\s*8/);
    expect(r.out).toContain("8 of 8 requests stream chunks that carry more than one token");
    expect(r.out).toContain("NVIDIA AIPerf | Peer Definitions");
  }, 120_000);

  test("one token per chunk: counts agree, no finding, no panel, no peer table without the flag", async () => {
    const r = await runProfile(plain.url, FLAGS);
    const ta = exported(r.dir).token_accounting;
    expect(ta.totals.content_chunks).toBe(256);
    expect(ta.totals.server_completion_tokens).toBe(256);
    expect(ta.multi_token_chunk_requests).toBe(0);
    expect(ta.findings).toEqual([]);
    expect(r.out).toContain("NVIDIA AIPerf | LLM Metrics");
    expect(r.out).not.toContain("Token Accounting");
    expect(r.out).not.toContain("Peer Definitions");
  }, 120_000);
});
