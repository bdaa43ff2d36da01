/**
 * AIPerf's records measured with peers' definitions (beyond upstream; peers.md §2.1–2.3, §5 item
 * 6), so numbers can be reconciled when migrating. All from the same valid records; times in ns.
 *
 * vLLM `bench serve` (vllm/benchmarks/serve.py): out = the server's usage.completion_tokens when
 *   reported, else the tokenizer's count of the generated text; TPOT = (e2el − ttft) / (out − 1) per
 *   request with out > 1; ITL = every gap between consecutive chunks, pooled over requests; output
 *   throughput = Σ out / duration; total = (Σ in + Σ out) / duration.
 * SGLang `bench_serving` (OpenAI path): out = usage.completion_tokens when reported, else the
 *   requested output length (its request's output_len), else the tokenizer's count; TPOT and ITL as
 *   vLLM with that out; adds retokenized throughput (tokenizer counts) and concurrency = Σ e2el / duration.
 * GenAI-Perf (llm_profile_data_parser.py): ITL = round((latency − ttft) / (osl − 1)) per request with
 *   osl = the tokenizer's count > 1; output_token_throughput_per_request = osl / latency_s;
 *   output throughput = Σ osl / duration.
 * Statistics are numpy's (linear-interpolated percentiles, population std), as all three use.
 * The duration is AIPerf's benchmark_duration (first send → last response) for all of them; vLLM
 * and SGLang time their own loop, which also covers the last stream's close.
 */
import type { RequestRecord } from "../records/record.ts";
import type { RecordMetrics } from "./record-metrics.ts";
import { Float64Series, type SeriesStats } from "./stats.ts";
import type { MetricResult } from "./summary.ts";
import { nsToSec } from "./units.ts";

/** Statistics in ms (times) or the metric's unit; null where no request qualified. */
export type PeerStats = Partial<SeriesStats> | null;

export type PeerReport = {
  durationSec: number | null;
  vllm: { outputTokens: number; outputThroughput: number | null; totalTokenThroughput: number | null; tpotMs: PeerStats; itlMs: PeerStats };
  sglang: {
    outputTokens: number;
    outputThroughput: number | null;
    totalTokenThroughput: number | null;
    retokenizedOutputThroughput: number | null;
    concurrency: number | null;
    tpotMs: PeerStats;
    itlMs: PeerStats;
  };
  genaiPerf: { outputTokens: number; outputThroughput: number | null; itlMs: PeerStats; outputThroughputPerRequest: PeerStats };
};

const NS_PER_MS = 1e6;

/** Accumulates what the peer definitions need; call report() with the run's summary results. */
export class PeerAccumulator {
  readonly #vllmTpot = new Float64Series();
  readonly #sglangTpot = new Float64Series();
  readonly #genaiItl = new Float64Series();
  readonly #genaiPerRequest = new Float64Series();
  #tokenizerOut = 0;
  #vllmOut = 0;
  #sglangOut = 0;
  #latencySum = 0;

  add(record: RequestRecord, metrics: RecordMetrics): void {
    if (!metrics.valid) return;
    const v = metrics.values;
    const latency = typeof v.request_latency === "number" ? v.request_latency : undefined;
    if (latency === undefined) return;
    this.#latencySum += latency;
    const osl = typeof v.output_sequence_length === "number" ? v.output_sequence_length : null;
    const tokenizer = record.tokens?.tokenizerTokens ?? osl;
    const server = record.usage?.completionTokens ?? null;
    const vllmOut = server ?? tokenizer;
    const sglangOut = server ?? record.tokens?.requestedTokens ?? tokenizer;
    if (tokenizer !== null) this.#tokenizerOut += tokenizer;
    if (vllmOut !== null) this.#vllmOut += vllmOut;
    if (sglangOut !== null) this.#sglangOut += sglangOut;
    if (tokenizer !== null && latency > 0) this.#genaiPerRequest.push(tokenizer / nsToSec(latency));
    const ttft = typeof v.time_to_first_token === "number" ? v.time_to_first_token : undefined;
    if (ttft === undefined) return;
    if (vllmOut !== null && vllmOut > 1) this.#vllmTpot.push((latency - ttft) / (vllmOut - 1));
    if (tokenizer !== null && tokenizer > 1) this.#genaiItl.push(Math.round((latency - ttft) / (tokenizer - 1)));
    if (sglangOut !== null && sglangOut > 1) this.#sglangTpot.push((latency - ttft) / (sglangOut - 1));
  }

  /** `results`: the run summary (base units): benchmark_duration, total_isl, inter_chunk_latency. */
  report(results: readonly MetricResult[]): PeerReport {
    const byTag = new Map(results.map((r) => [r.tag, r]));
    const durationNs = byTag.get("benchmark_duration")?.avg;
    const durationSec = durationNs === undefined || durationNs <= 0 ? null : nsToSec(durationNs);
    const isl = byTag.get("total_isl")?.avg ?? 0;
    const perSec = (x: number): number | null => (durationSec === null ? null : x / durationSec);
    const icl = byTag.get("inter_chunk_latency");
    const itlMs: PeerStats = icl === undefined || icl.count === 0 ? null : scaleStats(icl, 1 / NS_PER_MS);
    return {
      durationSec,
      vllm: {
        outputTokens: this.#vllmOut,
        outputThroughput: perSec(this.#vllmOut),
        totalTokenThroughput: perSec(isl + this.#vllmOut),
        tpotMs: statsMs(this.#vllmTpot),
        itlMs,
      },
      sglang: {
        outputTokens: this.#sglangOut,
        outputThroughput: perSec(this.#sglangOut),
        totalTokenThroughput: perSec(isl + this.#sglangOut),
        retokenizedOutputThroughput: perSec(this.#tokenizerOut),
        concurrency: durationNs === undefined || durationNs <= 0 ? null : this.#latencySum / durationNs,
        tpotMs: statsMs(this.#sglangTpot),
        itlMs,
      },
      genaiPerf: {
        outputTokens: this.#tokenizerOut,
        outputThroughput: perSec(this.#tokenizerOut),
        itlMs: statsMs(this.#genaiItl),
        outputThroughputPerRequest: this.#genaiPerRequest.length === 0 ? null : this.#genaiPerRequest.stats(),
      },
    };
  }
}

function statsMs(series: Float64Series): PeerStats {
  return series.length === 0 ? null : scaleStats(series.stats(), 1 / NS_PER_MS);
}

function scaleStats(s: Partial<SeriesStats>, factor: number): Partial<SeriesStats> {
  const out: Partial<SeriesStats> = {};
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === "number") out[k as keyof SeriesStats] = k === "count" ? v : v * factor;
  }
  return out;
}
