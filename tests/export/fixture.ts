/**
 * A small fixed run result (base units) for the export snapshots. Values are chosen to exercise
 * the formatting: thousands separators, a Python half-even tie (90.125 → "90.12"), an int total,
 * an epoch timestamp, and metrics each output hides (ICL: console; stream_setup: experimental).
 */
import type { ErrorSummaryEntry, MetricResult } from "../../src/metrics/index.ts";

const MS = 1_000_000;

function record(tag: string, header: string, unit: string, ms: number[], scale = MS): MetricResult {
  const [avg, min, max, p1, p5, p10, p25, p50, p75, p90, p95, p99, std] = ms.map((v) => v * scale) as number[];
  return { tag, header, unit, avg: avg!, min, max, p1, p5, p10, p25, p50, p75, p90, p95, p99, std, count: 4 };
}

function scalar(tag: string, header: string, unit: string, avg: number): MetricResult {
  return { tag, header, unit, avg, count: 1 };
}

export const RESULTS: MetricResult[] = [
  //                                                          avg     min    max     p1     p5     p10    p25    p50    p75    p90    p95    p99    std
  record("time_to_first_token", "Time to First Token", "ns", [18.26, 11.22, 106.32, 11.25, 11.5, 12, 14, 16.62, 20, 27.76, 40, 68.82, 12.07]),
  record("request_latency", "Request Latency", "ns", [1487.3, 267.07, 2769.57, 270, 280, 300, 400, 536.17, 600, 580.83, 700, 2715.99, 79.6]),
  record(
    "output_token_throughput_per_user",
    "Output Token Throughput Per User",
    "tokens/sec/user",
    [89.23, 75.93, 113.6, 76, 77, 78, 80, 90.125, 91, 90.91, 95, 102.28, 3.7],
    1,
  ),
  record("output_sequence_length", "Output Sequence Length", "tokens", [42.75, 24, 65, 24, 25, 26, 30, 47, 50, 52, 60, 64, 7.21], 1),
  record("inter_chunk_latency", "Inter Chunk Latency", "ns", [11.5, 0.5, 20, 0.5, 1, 2, 5, 11, 15, 19, 19.5, 20, 4.5]),
  record("stream_setup_latency", "Stream Setup Latency", "ns", [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0]),
  scalar("request_count", "Request Count", "requests", 4),
  scalar("error_request_count", "Error Request Count", "requests", 2),
  scalar("min_request_timestamp", "Minimum Request Timestamp", "ns", 1_760_000_000_000_000_000),
  scalar("benchmark_duration", "Benchmark Duration", "ns", 3_913_456_789),
  scalar("total_osl", "Total Output Sequence Length", "tokens", 171),
  scalar("output_token_throughput", "Output Token Throughput", "tokens/sec", 10944.034),
  scalar("request_throughput", "Request Throughput", "requests/sec", 1.0221),
];

export const ERRORS: ErrorSummaryEntry[] = [
  { error: { code: 500, type: "HTTPError", message: "Internal Server Error" }, count: 1234 },
  { error: { code: null, type: "InvalidInferenceResults", message: "Invalid inference results" }, count: 3 },
];
