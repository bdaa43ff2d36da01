/**
 * Repeated trials (`--num-profile-runs`): each trial's value of a headline statistic, with the
 * mean and the confidence interval the study computed over the trials (upstream's
 * profile_export_aiperf_aggregate.json, read as written, never recomputed here).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ChartSpec } from "./chart-spec.ts";
import { isRunDir } from "./load-run.ts";
import { round } from "./series.ts";

/** One metric of the aggregate file: statistics over the trials' values (`ci_low`/`ci_high` at its confidence level). */
type Aggregate = { mean?: number; ci_low?: number; ci_high?: number; unit?: string };
export type TrialSet = { dir: string; confidence: number; metrics: Record<string, Aggregate>; trials: string[] };

/** A study folder of trials: its aggregate file and its trial run directories in order; undefined for anything else. */
export function readTrialSet(dir: string): TrialSet | undefined {
  const file = join(dir, "aggregate", "profile_export_aiperf_aggregate.json");
  const runsDir = join(dir, "profile_runs");
  if (!existsSync(file) || !existsSync(runsDir)) return undefined;
  const doc = JSON.parse(readFileSync(file, "utf8")) as { metadata?: { confidence_level?: number }; metrics?: Record<string, Aggregate> };
  const trials = readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isRunDir(join(runsDir, e.name)))
    .map((e) => resolve(runsDir, e.name))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (trials.length === 0) return undefined;
  return { dir: resolve(dir), confidence: doc.metadata?.confidence_level ?? 0.95, metrics: doc.metrics ?? {}, trials };
}

const VIEWS = [
  { tag: "time_to_first_token", stat: "p99", title: "TTFT p99" },
  { tag: "inter_token_latency", stat: "p99", title: "ITL p99" },
  { tag: "request_latency", stat: "p99", title: "Request latency p99" },
  { tag: "output_token_throughput", stat: "avg", title: "Output token throughput" },
];

/** `values[i]`: trial i's summary statistics by metric tag (its profile_export_aiperf.json). */
export function trialCharts(set: TrialSet, values: Record<string, Record<string, unknown>>[], idPrefix: string): ChartSpec[] {
  const xs = set.trials.map((_, i) => i + 1);
  const charts: ChartSpec[] = [];
  for (const v of VIEWS) {
    const agg = set.metrics[`${v.tag}_${v.stat}`];
    if (agg?.mean === undefined || agg.ci_low === undefined || agg.ci_high === undefined) continue;
    const per = values.map((m) => {
      const x = m[v.tag]?.[v.stat];
      return typeof x === "number" && Number.isFinite(x) ? round(x) : null;
    });
    const flat = (y: number): (number | null)[] => xs.map(() => round(y));
    const pct = Math.round(set.confidence * 100);
    charts.push({
      id: `${idPrefix}trials-${v.tag}`,
      section: "Repeated trials",
      title: `${v.title}: ${xs.length} trials, mean and ${pct}% confidence interval`,
      x: { label: "Trial", unit: "#" },
      y: { label: v.title, unit: agg.unit ?? "" },
      xs,
      xNames: set.trials.map((d) => basename(d)),
      series: [
        { label: "each trial", values: per, style: "points" },
        { label: "mean", values: flat(agg.mean), style: "line" },
        { label: `CI low (${pct}%)`, values: flat(agg.ci_low), style: "line" },
        { label: `CI high (${pct}%)`, values: flat(agg.ci_high), style: "line" },
      ],
      note: `The interval is the study's own (Student t over the trials' ${v.stat} values), from ${join("aggregate", "profile_export_aiperf_aggregate.json")}.`,
      main: v.tag === "time_to_first_token",
    });
  }
  return charts;
}
