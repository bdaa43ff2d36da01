/**
 * Peer definitions in the exports (src/metrics/peers.ts): the `peer_metrics` block of
 * profile_export_aiperf.json (always) and, with --peer-metrics, the console table
 * "NVIDIA AIPerf | Peer Definitions" next to AIPerf's own values.
 */
import type { PeerReport, PeerStats } from "../metrics/peers.ts";
import type { MetricResult } from "../metrics/summary.ts";
import { formatCount, formatGrouped } from "./number-format.ts";
import { renderedWidth, renderTable } from "./text-table.ts";

export const PEER_JSON_KEY = "peer_metrics";

const pick = (s: PeerStats, keys: [string, string][]): Record<string, number> | null => {
  if (s === null) return null;
  const out: Record<string, number> = {};
  for (const [name, key] of keys) {
    const v = (s as Record<string, number | undefined>)[key];
    if (v !== undefined) out[name] = v;
  }
  return out;
};

// Each tool's own statistic names.
const VLLM_STATS: [string, string][] = [
  ["mean", "avg"],
  ["median", "p50"],
  ["std", "std"],
  ["p99", "p99"],
];
const SGLANG_ITL_STATS: [string, string][] = [...VLLM_STATS, ["p95", "p95"], ["max", "max"]];
const GENAI_STATS: [string, string][] = [
  ["avg", "avg"],
  ["min", "min"],
  ["max", "max"],
  ["p99", "p99"],
  ["p90", "p90"],
  ["p75", "p75"],
  ["std", "std"],
];

/** The JSON block: one object per tool, each statistic under that tool's own name. */
export function peerJson(r: PeerReport): Record<string, unknown> {
  return {
    duration_sec: r.durationSec,
    vllm_bench_serve: {
      output_tokens: r.vllm.outputTokens,
      output_throughput: r.vllm.outputThroughput,
      total_token_throughput: r.vllm.totalTokenThroughput,
      tpot_ms: pick(r.vllm.tpotMs, VLLM_STATS),
      itl_ms: pick(r.vllm.itlMs, VLLM_STATS),
      definitions: {
        output_tokens: "server usage.completion_tokens, else the tokenizer count of the generated text",
        tpot: "(e2el - ttft) / (output_tokens - 1), requests with more than one token",
        itl: "gap between consecutive chunks, pooled over requests",
      },
    },
    sglang_bench_serving: {
      output_tokens: r.sglang.outputTokens,
      output_throughput: r.sglang.outputThroughput,
      total_token_throughput: r.sglang.totalTokenThroughput,
      output_throughput_retokenized: r.sglang.retokenizedOutputThroughput,
      concurrency: r.sglang.concurrency,
      tpot_ms: pick(r.sglang.tpotMs, VLLM_STATS),
      itl_ms: pick(r.sglang.itlMs, SGLANG_ITL_STATS),
      definitions: {
        output_tokens: "server usage.completion_tokens, else the requested output length, else the tokenizer count",
        tpot: "(e2el - ttft) / (output_tokens - 1), requests with more than one token",
        itl: "gap between consecutive chunks, pooled over requests",
        concurrency: "sum of e2el / duration",
      },
    },
    genai_perf: {
      output_tokens: r.genaiPerf.outputTokens,
      output_token_throughput: r.genaiPerf.outputThroughput,
      inter_token_latency_ms: pick(r.genaiPerf.itlMs, GENAI_STATS),
      output_token_throughput_per_request: pick(r.genaiPerf.outputThroughputPerRequest, GENAI_STATS),
      definitions: {
        output_tokens: "tokenizer count of the joined reply",
        inter_token_latency: "round((request_latency - ttft) / (output_tokens - 1)) in ns, per request",
        output_token_throughput_per_request: "output_tokens / request_latency_s",
      },
    },
  };
}

const ms = (v: number | undefined): string => (v === undefined ? "N/A" : formatGrouped(v));
const at = (s: PeerStats, key: string): number | undefined => (s === null ? undefined : (s as Record<string, number | undefined>)[key]);

/** AIPerf's own value of `tag`/`stat`, converted ns → ms when `toMs`. */
function own(results: readonly MetricResult[], tag: string, stat: string, toMs: boolean): number | undefined {
  const r = results.find((x) => x.tag === tag) as Record<string, unknown> | undefined;
  const v = r?.[stat];
  return typeof v === "number" ? (toMs ? v / 1e6 : v) : undefined;
}

/**
 * The console table (--peer-metrics): AIPerf's value and each peer's for the same quantity.
 * Wider than `maxWidth` (the terminal), the peers get their short names and the Metric column wraps.
 */
export function renderPeerTable(r: PeerReport, results: readonly MetricResult[], maxWidth = Number.POSITIVE_INFINITY): string {
  const full = peerTable(r, results, false, maxWidth);
  return renderedWidth(full) <= maxWidth ? full : peerTable(r, results, true, maxWidth);
}

function peerTable(r: PeerReport, results: readonly MetricResult[], narrow: boolean, maxWidth: number): string {
  const row = (
    label: string,
    aiperf: number | undefined,
    vllm: number | undefined,
    sglang: number | undefined,
    genai: number | undefined,
    f = ms,
  ): string[] => [label, f(aiperf), f(vllm), f(sglang), f(genai)];
  const count = (v: number | undefined): string => (v === undefined ? "N/A" : formatCount(v));
  return renderTable({
    title: "NVIDIA AIPerf | Peer Definitions",
    columns: [
      { header: "Metric", justify: "right", ...(narrow ? { wrap: true, minWidth: 14 } : {}) },
      { header: "AIPerf", justify: "right" },
      { header: narrow ? "vLLM" : "vLLM bench serve", justify: "right" },
      { header: narrow ? "SGLang" : "SGLang bench_serving", justify: "right" },
      { header: "GenAI-Perf", justify: "right" },
    ],
    ...(narrow && Number.isFinite(maxWidth) ? { maxWidth } : {}),
    rows: [
      row(
        "TPOT / ITL mean (ms)",
        own(results, "inter_token_latency", "avg", true),
        at(r.vllm.tpotMs, "avg"),
        at(r.sglang.tpotMs, "avg"),
        at(r.genaiPerf.itlMs, "avg"),
      ),
      row(
        "TPOT / ITL p99 (ms)",
        own(results, "inter_token_latency", "p99", true),
        at(r.vllm.tpotMs, "p99"),
        at(r.sglang.tpotMs, "p99"),
        at(r.genaiPerf.itlMs, "p99"),
      ),
      row("Per-chunk ITL mean (ms)", own(results, "inter_chunk_latency", "avg", true), at(r.vllm.itlMs, "avg"), at(r.sglang.itlMs, "avg"), undefined),
      row("Per-chunk ITL p99 (ms)", own(results, "inter_chunk_latency", "p99", true), at(r.vllm.itlMs, "p99"), at(r.sglang.itlMs, "p99"), undefined),
      row("Output tokens", own(results, "total_osl", "avg", false), r.vllm.outputTokens, r.sglang.outputTokens, r.genaiPerf.outputTokens, count),
      row(
        "Output throughput (tokens/sec)",
        own(results, "output_token_throughput", "avg", false),
        r.vllm.outputThroughput ?? undefined,
        r.sglang.outputThroughput ?? undefined,
        r.genaiPerf.outputThroughput ?? undefined,
      ),
    ],
  });
}
