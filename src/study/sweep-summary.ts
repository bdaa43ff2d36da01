/**
 * A sweep's summary, one row per point: upstream's profile_export_aiperf_sweep.json (per point
 * metrics, best configurations, Pareto-optimal points) and .csv, and the console table.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../core/version.ts";
import { renderTable } from "../export/index.ts";
import { type MetricAggregate, aggregateMetrics, failureOf, succeeded } from "./aggregate.ts";
import type { Variation } from "./plan.ts";
import type { RunResult } from "./run-one.ts";
import { finiteOnly } from "./stats.ts";

export type PointSummary = {
  variation: Variation;
  runs: RunResult[];
  metrics: Map<string, MetricAggregate>;
  status: "ok" | "failed" | "interrupted" | "not run";
};

/** The columns of the CSV and the console table (those present in at least one point). */
const KEY_METRICS: [string, string][] = [
  ["request_throughput_avg", "Req/s"],
  ["output_token_throughput_avg", "Out tok/s"],
  ["time_to_first_token_p99", "TTFT p99 ms"],
  ["inter_token_latency_p99", "ITL p99 ms"],
  ["request_latency_avg", "Latency avg ms"],
  ["request_latency_p99", "Latency p99 ms"],
  ["request_error_rate_avg", "Errors %"],
];

export function summarizePoint(variation: Variation, runs: RunResult[], confidenceLevel: number, interruptedLabels: Set<string>, trials: number): PointSummary {
  const metrics = aggregateMetrics(runs, confidenceLevel);
  let status: PointSummary["status"] = "ok";
  if (runs.length === 0) status = "not run";
  else if (runs.some((r) => interruptedLabels.has(`${variation.label}/${r.planned.info.run_label}`))) status = "interrupted";
  else if (runs.some((r) => !succeeded(r)) || runs.length < trials) status = "failed";
  return { variation, runs, metrics, status };
}

/** Latency objective of the Pareto front: TTFT p99 when streamed, else request latency p99. */
function latencyKey(points: PointSummary[]): string {
  return points.some((p) => p.metrics.has("time_to_first_token_p99")) ? "time_to_first_token_p99" : "request_latency_p99";
}

/** Points no other point beats on both throughput (higher) and latency (lower). */
function paretoOptimal(points: PointSummary[]): PointSummary[] {
  const lat = latencyKey(points);
  const usable = points.filter((p) => p.metrics.has("request_throughput_avg") && p.metrics.has(lat));
  const tp = (p: PointSummary): number => (p.metrics.get("request_throughput_avg") as MetricAggregate).mean;
  const lt = (p: PointSummary): number => (p.metrics.get(lat) as MetricAggregate).mean;
  return usable.filter((p) => !usable.some((q) => q !== p && tp(q) >= tp(p) && lt(q) <= lt(p) && (tp(q) > tp(p) || lt(q) < lt(p))));
}

export function writeSweepSummary(dir: string, points: PointSummary[], meta: Record<string, unknown>): string[] {
  mkdirSync(dir, { recursive: true });
  const lat = latencyKey(points);
  const ok = points.filter((p) => p.metrics.has("request_throughput_avg"));
  const best = (key: string, better: (a: number, b: number) => boolean): PointSummary | undefined =>
    ok
      .filter((p) => p.metrics.has(key))
      .reduce<PointSummary | undefined>(
        (acc, p) => (acc === undefined || better((p.metrics.get(key) as MetricAggregate).mean, (acc.metrics.get(key) as MetricAggregate).mean) ? p : acc),
        undefined,
      );
  const bestOf = (p: PointSummary | undefined, key: string): unknown =>
    p === undefined
      ? undefined
      : {
          parameters: p.variation.values,
          variation_label: p.variation.label,
          metric: (p.metrics.get(key) as MetricAggregate).mean,
          unit: (p.metrics.get(key) as MetricAggregate).unit,
        };
  const json = {
    schema_version: "1.0",
    aiperf_version: VERSION,
    metadata: { aggregation_type: "sweep", ...meta, num_combinations: points.length, pareto_objectives: { maximize: "request_throughput_avg", minimize: lat } },
    per_combination_metrics: points.map((p) => ({
      parameters: p.variation.values,
      variation_label: p.variation.label,
      variation_index: p.variation.index,
      status: p.status,
      run_labels: p.runs.filter(succeeded).map((r) => r.planned.info.run_label),
      failed_runs: p.runs.filter((r) => !succeeded(r)).map(failureOf),
      artifact_dirs: p.runs.map((r) => r.planned.dir),
      metrics: Object.fromEntries([...p.metrics].map(([k, m]) => [k, finiteOnly(m)])),
    })),
    best_configurations: Object.fromEntries(
      [
        [
          "best_throughput",
          bestOf(
            best("request_throughput_avg", (a, b) => a > b),
            "request_throughput_avg",
          ),
        ],
        [
          "best_latency_p99",
          bestOf(
            best(lat, (a, b) => a < b),
            lat,
          ),
        ],
      ].filter(([, v]) => v !== undefined),
    ),
    pareto_optimal: paretoOptimal(points).map((p) => p.variation.values),
  };
  const jsonFile = join(dir, "profile_export_aiperf_sweep.json");
  writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  const params = [...new Set(points.flatMap((p) => Object.keys(p.variation.values)))];
  const keys = KEY_METRICS.filter(([k]) => points.some((p) => p.metrics.has(k))).map(([k]) => k);
  // Interval columns only when there are trials to make one from.
  const withCi = Number(meta.num_trials_per_value) > 1;
  const header = [...params, "variation_label", "status", ...keys.flatMap((k) => (withCi ? [k, `${k}_ci_low`, `${k}_ci_high`] : [k]))];
  const cell = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? String(Number(n.toFixed(6))) : "");
  const rows = points.map((p) => [
    ...params.map((k) => cell(p.variation.values[k])),
    p.variation.label,
    p.status,
    ...keys.flatMap((k) => {
      const m = p.metrics.get(k);
      return withCi ? [cell(m?.mean), cell(m?.ci_low), cell(m?.ci_high)] : [cell(m?.mean)];
    }),
  ]);
  const csvFile = join(dir, "profile_export_aiperf_sweep.csv");
  writeFileSync(csvFile, `${[header, ...rows].map((r) => r.join(",")).join("\n")}\n`);
  return [jsonFile, csvFile];
}

/** "12.34" for one run, "12.34 ± 0.56" (half the confidence interval) for several. */
export function meanWithCi(m: MetricAggregate | undefined): string {
  if (m === undefined) return "-";
  const half = (m.ci_high - m.ci_low) / 2;
  return Number.isFinite(half) ? `${m.mean.toFixed(2)} ± ${half.toFixed(2)}` : m.mean.toFixed(2);
}

export function renderSweepTable(points: PointSummary[], trials: number, confidenceLevel: number): string {
  const keys = KEY_METRICS.filter(([k]) => points.some((p) => p.metrics.has(k)));
  const pareto = new Set(paretoOptimal(points));
  const title =
    trials > 1
      ? `Sweep summary (mean ± ${Math.round(confidenceLevel * 100)}% CI half-width over ${trials} trials; * = Pareto-optimal)`
      : "Sweep summary (* = Pareto-optimal)";
  return renderTable({
    title,
    columns: [{ header: "Point", justify: "left" }, { header: "Status", justify: "left" }, ...keys.map(([, h]) => ({ header: h, justify: "right" as const }))],
    rows: points.map((p) => [`${pareto.has(p) ? "*" : " "}${p.variation.label}`, statusText(p), ...keys.map(([k]) => meanWithCi(p.metrics.get(k)))]),
  });
}

/** "failed (exit 1)": which code, so the reader knows where to look. */
function statusText(p: PointSummary): string {
  const codes = [...new Set(p.runs.filter((r) => r.exitCode !== 0).map((r) => r.exitCode))];
  return p.status === "failed" && codes.length > 0 ? `failed (exit ${codes.join(", ")})` : p.status;
}
