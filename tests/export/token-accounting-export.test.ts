/** Token-accounting exports: the JSON blocks, the JSONL per-request block, the console panel and peer table. */
import { describe, expect, test } from "bun:test";
import { buildJsonExport } from "../../src/export/json-export.ts";
import { buildRecordLine } from "../../src/export/jsonl-export.ts";
import { renderPeerTable } from "../../src/export/peer-table.ts";
import { reconcileJson, renderReconcilePanel } from "../../src/export/reconcile-panel.ts";
import { TokenAccountingExport } from "../../src/export/token-accounting-export.ts";
import { computeRecordMetrics, createMetricContext, SummaryBuilder } from "../../src/metrics/index.ts";
import { TokenReconciler } from "../../src/metrics/reconcile.ts";
import { makeRecord } from "../metrics/fixtures.ts";

const ctx = createMetricContext({ streaming: true, producesTokens: true });
const usage = (n: number) => ({ promptTokens: 100, completionTokens: n, totalTokens: n + 100, reasoningTokens: null });
// 12 tokens in 3 chunks of 4: the server and the tokenizer agree, the chunks do not.
const packed = () => makeRecord(0, [50, 70, 90], { outputTokens: 12, usage: usage(12), tokens: { tokenizerTokens: 12, firstChunkTokens: 4 } });
const plain = () => makeRecord(0, [50, 70, 90], { outputTokens: 3, usage: usage(3), tokens: { tokenizerTokens: 3, firstChunkTokens: 1 } });

describe("reconciliation exports", () => {
  test("JSON block: totals side by side, the divisor rule, findings with advice", () => {
    const r = new TokenReconciler();
    r.add(packed());
    r.add(packed());
    const block = reconcileJson(r.report());
    expect(block.totals).toEqual({ tokenizer_output_tokens: 24, server_completion_tokens: 24, content_chunks: 6, requested_output_tokens: 0 });
    expect(block.tokens_per_chunk).toEqual({ mean: 4, max: null, first_chunk_max: 4 });
    expect(block.multi_token_chunk_requests).toBe(2);
    expect(block.itl_divisor_adjusted_requests).toBe(2);
    expect(String(block.itl_divisor)).toContain("first_chunk_tokens");
    expect((block.findings as { id: string }[]).map((f) => f.id)).toEqual(["multi_token_chunks"]);
  });

  test("console panel: the three counts and each finding; none when they agree", () => {
    const r = new TokenReconciler();
    r.add(packed());
    const panel = renderReconcilePanel(r.report()) ?? "";
    expect(panel).toContain("NVIDIA AIPerf | Token Accounting");
    expect(panel).toMatch(/Tokenizer output tokens\s*┃?│?\s*12/);
    expect(panel).toMatch(/Content chunks\s*│\s*3/);
    expect(panel).toContain("more than one token");
    const ok = new TokenReconciler();
    ok.add(plain());
    expect(renderReconcilePanel(ok.report())).toBeNull();
  });

  test("JSONL: each valid request carries its three counts", () => {
    const rec = packed();
    const line = buildRecordLine(rec, computeRecordMetrics(rec, ctx));
    expect(line.token_accounting).toEqual({
      tokenizer_output_tokens: 12,
      server_completion_tokens: 12,
      content_chunks: 3,
      first_chunk_tokens: 4,
      max_chunk_tokens: null,
      requested_output_tokens: null,
    });
    const bare = makeRecord(0, [50]);
    expect(buildRecordLine(bare, computeRecordMetrics(bare, ctx)).token_accounting).toBeUndefined();
  });

  test("the combined export: blocks always, panel when counts disagree, peer table only when asked", () => {
    const run = (peerTable: boolean, rec: () => ReturnType<typeof packed>) => {
      const exp = new TokenAccountingExport({ peerTable, producesTokens: true });
      const b = new SummaryBuilder({ context: ctx });
      const r = rec();
      const m = b.add(r);
      if (m) exp.add(r, m);
      return exp.finish(b.summarize().results);
    };
    const quiet = run(false, plain);
    expect(Object.keys(quiet.blocks)).toEqual(["token_accounting", "peer_metrics"]);
    expect(quiet.consoleText).toBe("");
    const loud = run(true, packed);
    expect(loud.consoleText).toContain("Token Accounting");
    expect(loud.consoleText).toContain("NVIDIA AIPerf | Peer Definitions");
    const none = new TokenAccountingExport({ peerTable: true, producesTokens: false }).finish([]);
    expect(none).toEqual({ blocks: {}, consoleText: "" });
  });

  test("peer table: AIPerf's ITL next to each tool's TPOT", () => {
    const exp = new TokenAccountingExport({ peerTable: true, producesTokens: true });
    const b = new SummaryBuilder({ context: ctx });
    const r = packed();
    const m = b.add(r);
    if (m) exp.add(r, m);
    const results = b.summarize().results;
    const table = exp.finish(results).consoleText;
    // AIPerf: 40 ms / (12 − 4) = 5 ms; vLLM, SGLang, GenAI-Perf: 40 ms / 11 = 3.64 ms.
    expect(table).toMatch(/TPOT \/ ITL mean \(ms\)\s*│\s*5\.00\s*│\s*3\.64\s*│\s*3\.64\s*│\s*3\.64/);
    expect(renderPeerTable).toBeInstanceOf(Function);
    // At 80 columns the panel and the table fit: short peer names, the Metric column wrapped.
    const narrow = exp.finish(results, 80).consoleText;
    for (const line of narrow.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    expect(narrow).toMatch(/┃ AIPerf ┃ +vLLM ┃ SGLang ┃ GenAI-Perf ┃/);
    expect(narrow.replace(/[│\s]+/g, " ")).toContain("TPOT / ITL mean (ms) 5.00 3.64 3.64 3.64");
  });

  test("JSON export writes blocks after everything else", () => {
    const doc = buildJsonExport({
      results: [],
      inputConfig: {},
      wasCancelled: false,
      errorSummary: [],
      startNs: null,
      endNs: null,
      blocks: { token_accounting: { requests: 0 } },
    });
    const keys = Object.keys(doc);
    expect(keys[keys.length - 1]).toBe("token_accounting");
  });
});
