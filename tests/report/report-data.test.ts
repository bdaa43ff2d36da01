/**
 * The report's data, without a browser: statistics over every record however many there are
 * (only scatter plots are thinned, for display), both export shapes (this one and upstream's
 * schema 1.5: nested input_config, vendor-prefixed GPU metrics), and damaged lines counted.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildReport, expandRunDirs } from "../../src/report/index.ts";
import { cdf, histogram, percentile, sortedFinite, thinRows } from "../../src/report/series.ts";

const temp = mkdtempSync(join(tmpdir(), "aiperf-report-data-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function record(i: number, latency: number, error = false): string {
  const start = 1_700_000_000_000_000_000 + i * 1_000_000; // 1 ms apart
  const metrics = error
    ? {}
    : {
        request_latency: { value: latency, unit: "ms" },
        time_to_first_token: { value: latency / 10, unit: "ms" },
        inter_token_latency: { value: 2, unit: "ms" },
        output_sequence_length: { value: 8, unit: "tokens" },
        inter_chunk_latency: { value: [1, 2, 3], unit: "ms" },
      };
  return JSON.stringify({
    metadata: { request_start_ns: start, request_end_ns: start + latency * 1e6, benchmark_phase: "profiling" },
    metrics,
    error: error ? { code: 500, type: "Internal Server Error", message: "x" } : null,
  });
}

test("300k records: histogram and CDF count every one, the scatter is thinned for display but keeps the extremes", () => {
  const dir = join(temp, "big");
  mkdirSync(dir);
  const n = 300_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(record(i, i === 123_457 ? 5000 : 100 + (i % 1000) / 10));
  writeFileSync(join(dir, "profile_export.jsonl"), `${lines.join("\n")}\n`);
  const report = buildReport([dir], { version: "test" });
  const chart = (id: string) => report.charts.find((c) => c.id === id)!;
  const hist = chart("hist-request_latency");
  expect(hist.series[0]!.values.reduce((a: number, b) => a + (b ?? 0), 0)).toBe(n);
  expect(hist.note).toContain("1 values above");
  const cdfChart = chart("cdf-request_latency");
  expect(cdfChart.series[0]!.values.at(-1)).toBe(100);
  expect(cdfChart.xs.at(-1)).toBe(5000); // the single outlier is the CDF's last point
  expect(cdfChart.note).toContain(`all ${n.toLocaleString("en-US")} values`);
  const timeline = chart("timeline");
  expect(timeline.xs.length).toBeLessThanOrEqual(20_000);
  expect(timeline.xs.length).toBeGreaterThan(5_000);
  expect(timeline.series[0]!.values).toContain(5000);
  expect(timeline.note).toContain(`of ${n.toLocaleString("en-US")} requests drawn`);
  // ITL by position: three chunks → positions 2..4, each over all 300k records.
  expect(chart("itl-position").xs).toEqual([2, 3, 4]);
  expect(report.html.length).toBeLessThan(5_000_000);
}, 60_000);

test("schema 1.5 shape: nested input_config gives the load axis, vendor-prefixed GPU names are read, bad lines are counted", () => {
  const runs = [4, 16].map((c) => {
    const dir = join(temp, "sweep", `c${c}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "profile_export.jsonl"), `${record(0, 100)}\n${record(1, 120, true)}\nnot json\n${record(2, 110)}\n`);
    const summary = {
      schema_version: "1.5",
      time_to_first_token: { unit: "ms", avg: c, p50: c, p90: c + 1, p99: c + 2, count: 2 },
      inter_token_latency: { unit: "ms", avg: 2, p50: 2, p90: 2, p99: 3 },
      output_token_throughput: { unit: "tokens/sec", avg: 100 * c },
      output_token_throughput_per_user: { unit: "tokens/sec/user", avg: 500 / c },
      input_config: { endpoint: { urls: ["http://x"] }, phases: { profiling: { concurrency: c } } },
      run_info: { run_label: `concurrency_${c}` },
    };
    writeFileSync(join(dir, "profile_export_aiperf.json"), JSON.stringify(summary));
    const gpu = (t: number) =>
      JSON.stringify({
        timestamp_ns: 1_700_000_000_000_000_000 + t * 1e9,
        dcgm_url: "http://h:9400/metrics",
        gpu_index: 0,
        telemetry_data: { nvidia_power_usage: 300 + t, nvidia_gpu_utilization: 90, nvidia_gpu_memory_used: 70 },
      });
    writeFileSync(join(dir, "gpu_telemetry_export.jsonl"), `${gpu(0)}\n${gpu(1)}\n`);
    return dir;
  });
  const dirs = expandRunDirs([join(temp, "sweep")]);
  expect(dirs).toEqual(runs);
  const report = buildReport(dirs, { version: "test" });
  const ttft = report.charts.find((c) => c.id === "cmp-ttft")!;
  expect(ttft.x.label).toBe("Concurrency");
  expect(ttft.xs).toEqual([4, 16]);
  expect(ttft.series.map((s) => s.values)).toEqual([
    [4, 16],
    [5, 17],
    [6, 18],
  ]);
  const pareto = report.charts.find((c) => c.id === "cmp-pareto")!;
  expect(pareto.series.map((s) => s.label)).toEqual(["Pareto front", "concurrency_16", "concurrency_4"]);
  const power = report.charts.find((c) => c.id === "r1-gpu-power")!;
  expect(power.series[0]!.values).toEqual([300, 301]);
  expect(report.runs.map((r) => r.badLines)).toEqual([1, 1]);
  expect(report.html).toContain("1 line(s) of the JSONL exports were not valid records");
  expect(report.charts.find((c) => c.id === "r1-errors")!.title).toBe("Errors over time (1 of 3 requests)");
});

test("series helpers: exact percentiles, CDF ends at 100 %, thinning keeps each bucket's min and max", () => {
  const s = sortedFinite([5, 1, Number.NaN, 3, 2, 4]);
  expect(Array.from(s)).toEqual([1, 2, 3, 4, 5]);
  expect(percentile(s, 50)).toBe(3);
  expect(percentile(s, 90)).toBeCloseTo(4.6);
  const c = cdf(s, 2);
  expect(c.pct.at(-1)).toBe(100);
  expect(c.xs.at(-1)).toBe(5);
  const h = histogram(s, 4);
  expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
  const col = Array.from({ length: 1000 }, (_, i) => (i === 777 ? 1e6 : i === 333 ? -1 : 1));
  const rows = thinRows(col.length, [col], 50);
  expect(rows.length).toBeLessThanOrEqual(50);
  expect(rows).toContain(777);
  expect(rows).toContain(333);
});

test("a study of repeated trials: its trial runs are plotted, and each headline statistic against the study's mean and interval", () => {
  const study = join(temp, "trials");
  const p99s = [12, 15, 18];
  p99s.forEach((p99, i) => {
    const run = join(study, "profile_runs", `run_000${i + 1}`);
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, "profile_export_aiperf.json"), JSON.stringify({ time_to_first_token: { unit: "ms", avg: p99 - 2, p99 } }));
    writeFileSync(join(run, "profile_export.jsonl"), `${record(i, 50)}\n`);
  });
  mkdirSync(join(study, "aggregate"));
  const aggregate = { metadata: { confidence_level: 0.9 }, metrics: { time_to_first_token_p99: { mean: 15, ci_low: 9.9, ci_high: 20.1, unit: "ms" } } };
  writeFileSync(join(study, "aggregate", "profile_export_aiperf_aggregate.json"), JSON.stringify(aggregate));
  const dirs = expandRunDirs([study]);
  expect(dirs.map((d) => d.split("/").pop())).toEqual(["run_0001", "run_0002", "run_0003"]);
  const report = buildReport(dirs, { version: "test" }, [study]);
  const chart = report.charts.find((c) => c.id === "trials-time_to_first_token");
  expect(chart?.title).toBe("TTFT p99: 3 trials, mean and 90% confidence interval");
  expect(chart?.xNames).toEqual(["run_0001", "run_0002", "run_0003"]);
  expect(chart?.series.map((s) => [s.label, s.values])).toEqual([
    ["each trial", [12, 15, 18]],
    ["mean", [15, 15, 15]],
    ["CI low (90%)", [9.9, 9.9, 9.9]],
    ["CI high (90%)", [20.1, 20.1, 20.1]],
  ]);
  // Metrics the aggregate lacks get no chart rather than an empty one.
  expect(report.charts.some((c) => c.id === "trials-inter_token_latency")).toBe(false);
});
