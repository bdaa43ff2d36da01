/**
 * Repeated trials of one point: upstream's profile_export_aiperf_aggregate.json/.csv (statistics
 * over the runs' summary values, with Student-t confidence intervals) and
 * profile_export_aiperf_collated.json (every run's per-request values pooled into one population).
 */
import { createReadStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { VERSION } from "../core/version.ts";
import { type ConfidenceStats, confidenceStats, finiteOnly, percentileSorted } from "./stats.ts";
import { flatMetrics, type RunResult } from "./run-one.ts";

export type MetricAggregate = ConfidenceStats & { unit: string };
type FailedRun = { label: string; error: string };

/** A run counts toward the statistics when it finished with exit 0 and wrote its summary. */
export function succeeded(r: RunResult): boolean {
  return r.exitCode === 0 && r.summary !== undefined;
}

export function failureOf(r: RunResult): FailedRun {
  return { label: r.planned.info.run_label, error: r.exitCode === 0 ? "no profile_export_aiperf.json was written" : `exit code ${r.exitCode}` };
}

/** Per `<tag>_<stat>`: confidence statistics over the successful runs that have it. */
export function aggregateMetrics(runs: RunResult[], confidenceLevel: number): Map<string, MetricAggregate> {
  const values = new Map<string, { unit: string; list: number[] }>();
  for (const r of runs.filter(succeeded)) {
    for (const [key, m] of flatMetrics(r.summary as Record<string, unknown>)) {
      const entry = values.get(key) ?? { unit: m.unit, list: [] };
      entry.list.push(m.value);
      values.set(key, entry);
    }
  }
  const out = new Map<string, MetricAggregate>();
  for (const [key, { unit, list }] of values) out.set(key, { ...confidenceStats(list, confidenceLevel), unit });
  return out;
}

/** Writes the aggregate JSON and CSV and the collated JSON into `dir`; returns the paths written. */
export async function writeAggregate(
  dir: string,
  runs: RunResult[],
  confidenceLevel: number,
  cooldownSeconds: number,
  extraMetadata: Record<string, unknown>,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const ok = runs.filter(succeeded);
  const metadata = {
    aggregation_type: "confidence",
    num_profile_runs: runs.length,
    num_successful_runs: ok.length,
    failed_runs: runs.filter((r) => !succeeded(r)).map(failureOf),
    confidence_level: confidenceLevel,
    run_labels: ok.map((r) => r.planned.info.run_label),
    cooldown_seconds: cooldownSeconds,
    ...extraMetadata,
  };
  const metrics = aggregateMetrics(runs, confidenceLevel);
  const json = join(dir, "profile_export_aiperf_aggregate.json");
  writeFileSync(
    json,
    `${JSON.stringify({ schema_version: "1.0", aiperf_version: VERSION, metadata, metrics: Object.fromEntries([...metrics].map(([k, m]) => [k, finiteOnly(m)])) }, null, 2)}\n`,
  );
  const csv = join(dir, "profile_export_aiperf_aggregate.csv");
  const cell = (n: number): string => (Number.isFinite(n) ? String(Number(n.toFixed(6))) : "");
  const rows = [...metrics].map(([k, m]) =>
    [k, cell(m.mean), cell(m.std), cell(m.min), cell(m.max), cell(m.cv), cell(m.se), cell(m.ci_low), cell(m.ci_high), cell(m.t_critical), m.unit].join(","),
  );
  writeFileSync(csv, `Metric,Mean,Std,Min,Max,CV,SE,CI Low,CI High,t Critical,Unit\n${rows.join("\n")}\n`);
  const collated = join(dir, "profile_export_aiperf_collated.json");
  writeFileSync(collated, `${JSON.stringify(await collate(ok, runs, cooldownSeconds), null, 2)}\n`);
  return [json, csv, collated];
}

/** Pools per-request values of every successful run (profiling phase, no error) per metric. */
async function collate(ok: RunResult[], all: RunResult[], cooldownSeconds: number): Promise<Record<string, unknown>> {
  const perMetric = new Map<string, { label: string; values: number[] }[]>();
  for (const r of ok) {
    const file = join(r.planned.dir, "profile_export.jsonl");
    if (!existsSync(file)) continue;
    const mine = new Map<string, number[]>();
    // Line by line: a long run's JSONL can be far larger than memory should hold at once.
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line.trim() === "") continue;
      let record: { metadata?: { benchmark_phase?: string }; error?: unknown; metrics?: Record<string, { value?: unknown }> };
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      if (record.metadata?.benchmark_phase !== "profiling" || (record.error !== undefined && record.error !== null)) continue;
      for (const [name, entry] of Object.entries(record.metrics ?? {})) {
        if (typeof entry?.value !== "number" || !Number.isFinite(entry.value)) continue;
        const list = mine.get(name) ?? [];
        list.push(entry.value);
        mine.set(name, list);
      }
    }
    for (const [name, values] of mine) {
      const list = perMetric.get(name) ?? [];
      list.push({ label: r.planned.info.run_label, values });
      perMetric.set(name, list);
    }
  }
  const metrics: Record<string, unknown> = {};
  for (const [name, entries] of perMetric) {
    const pooled = entries.flatMap((e) => e.values);
    const sorted = [...pooled].sort((a, b) => a - b);
    const n = pooled.length;
    const mean = pooled.reduce((a, b) => a + b, 0) / n;
    const std = n > 1 ? Math.sqrt(pooled.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
    metrics[name] = {
      combined: {
        mean,
        std,
        p50: percentileSorted(sorted, 50),
        p90: percentileSorted(sorted, 90),
        p95: percentileSorted(sorted, 95),
        p99: percentileSorted(sorted, 99),
        count: n,
      },
      per_run: entries.map((e) => ({ label: e.label, mean: e.values.reduce((a, b) => a + b, 0) / e.values.length, count: e.values.length })),
    };
  }
  return {
    schema_version: "1.0.0",
    aiperf_version: VERSION,
    description:
      "Collated per-request metrics across all runs: every run's request-level values pooled into one population, with combined percentiles. profile_export_aiperf_aggregate.json instead gives statistics over the runs' summary values.",
    metadata: {
      aggregation_type: "detailed",
      num_profile_runs: all.length,
      num_successful_runs: ok.length,
      failed_runs: all.filter((r) => !succeeded(r)).map(failureOf),
      run_labels: ok.map((r) => r.planned.info.run_label),
      cooldown_seconds: cooldownSeconds,
    },
    metrics,
  };
}
