/** Records → summary → exports, for run shapes whose rows differ: non-streaming chat and embeddings. */
import { describe, expect, test } from "bun:test";
import { renderCsvExport, renderMetricsTable } from "../../src/export/index.ts";
import { createMetricContext, SummaryBuilder } from "../../src/metrics/index.ts";
import { makeRecord } from "../metrics/fixtures.ts";

function summarize(streaming: boolean, producesTokens: boolean) {
  const builder = new SummaryBuilder({ context: createMetricContext({ streaming, producesTokens }) });
  // Requests at 0 and 100 ms, whole bodies at +40 and +60 ms → latencies 40 and 60 ms, duration 0.16 s.
  builder.add(makeRecord(0, [40], { outputTokens: producesTokens ? 8 : null }));
  builder.add(makeRecord(100, [60], { outputTokens: producesTokens ? 12 : null }));
  return builder.summarize();
}

const rowLabels = (table: string | null) =>
  (table ?? "")
    .split("\n")
    .filter((l) => l.startsWith("│"))
    .map((l) => l.split("│")[1]?.trim());

describe("from records to exports", () => {
  test("non-streaming chat: no TTFT/TTST/ITL rows", () => {
    const table = renderMetricsTable(summarize(false, true).results, "chat");
    expect(rowLabels(table)).toEqual([
      "Request Latency (ms)",
      "Output Sequence Length (tokens)",
      "Input Sequence Length (tokens)",
      "Output Token Throughput (tokens/sec)",
      "Request Throughput (requests/sec)",
      "Request Count (requests)",
    ]);
    // (40 + 60)/2 = 50 ms; 20 tokens / 0.16 s = 125; 2 / 0.16 = 12.5.
    expect(table).toContain("│                 Request Latency (ms) │  50.00 │  40.00 │  60.00 │  59.80 │  58.00 │  50.00 │ 10.00 │");
    expect(table).toContain("│ Output Token Throughput (tokens/sec) │ 125.00 │    N/A │");
  });

  test("embeddings: latency, throughput and count only", () => {
    const summary = summarize(false, false);
    const table = renderMetricsTable(summary.results, "embeddings");
    expect(table?.split("\n")[0]?.trim()).toBe("NVIDIA AIPerf | Embeddings Metrics");
    expect(rowLabels(table)).toEqual(["Request Latency (ms)", "Request Throughput (requests/sec)", "Request Count (requests)"]);
    expect(renderCsvExport(summary.results).split("\r\n")).toEqual([
      "Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std",
      "Request Latency (ms),50.00,40.00,60.00,40.20,41.00,42.00,45.00,50.00,55.00,58.00,59.00,59.80,10.00",
      "",
      "Metric,Value",
      "Benchmark Duration (sec),0.16",
      "Maximum Response Timestamp (ns),1760000000160000000",
      "Minimum Request Timestamp (ns),1760000000000000000",
      "Request Count,2",
      "Request Throughput (requests/sec),12.50",
      "",
    ]);
  });
});
