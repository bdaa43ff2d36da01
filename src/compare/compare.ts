/**
 * `compareRuns`: per metric, is the new run better or worse than the base, and is that real? Two
 * tests on the per-request values, which must both agree before a change counts as significant:
 * Mann–Whitney U (is one distribution shifted against the other?) and a bootstrap CI of the relative
 * change of the chosen statistic (how large is the change, and could it be zero?).
 */
import { BenchError } from "../core/errors.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { bootstrapRelativeChange, mannWhitneyU, type Statistic, statisticOf } from "../metrics/significance.ts";
import type { RunSamples } from "./load.ts";

export type CompareOptions = {
  /** Metrics to compare and gate on (default: DEFAULT_METRICS that both runs have). */
  metrics?: string[];
  /** The statistic whose change is measured: p50 (default), p90, p99, avg … */
  statistic?: Statistic;
  /** Percent change a regression must exceed (default 5). */
  threshold?: number;
  /** Confidence of the tests (default 0.95: p < 0.05 and a 95 % CI). */
  confidence?: number;
  /** Bootstrap resamples (default 2000) and their seed (default 1). */
  iterations?: number;
  seed?: number;
};

/** Which way is better: lower (latencies), higher (throughput), or none (token counts: shown, never gated). */
export type Direction = "lower" | "higher" | "none";

export type Verdict = "regressed" | "improved" | "within threshold" | "no significant change" | "changed" | "too few requests";

export type MetricComparison = {
  metric: string;
  unit: string;
  direction: Direction;
  base: { n: number; value: number };
  next: { n: number; value: number };
  /** Relative change of the statistic, (new − base) / base. */
  change: number;
  /** Bootstrap CI of `change` at the chosen confidence. */
  ci: { low: number; high: number };
  /** Mann–Whitney two-sided p-value, and P(new > base) + ½·P(tie). */
  p: number;
  probabilityGreater: number;
  significant: boolean;
  verdict: Verdict;
};

export type RunSummary = { dir: string; files: string[]; requests: number; failed: number };

export type CompareResult = {
  statistic: Statistic;
  threshold: number;
  confidence: number;
  base: RunSummary;
  next: RunSummary;
  metrics: MetricComparison[];
  /** Metrics whose verdict is "regressed": a CI gate fails when any. */
  regressed: string[];
};

export const DEFAULT_METRICS = ["time_to_first_token", "inter_token_latency", "request_latency", "output_token_throughput_per_user"];

/** Short names a user may give for --metric. */
const METRIC_ALIASES: Record<string, string> = {
  ttft: "time_to_first_token",
  itl: "inter_token_latency",
  latency: "request_latency",
  e2e: "request_latency",
  ttst: "time_to_second_token",
  "tps-per-user": "output_token_throughput_per_user",
};

export function directionOf(metric: string): Direction {
  if (/throughput|goodput/.test(metric)) return "higher";
  if (/latency|time_to|ttft|itl|duration|tpot/.test(metric)) return "lower";
  return "none";
}

const summary = (s: RunSamples): RunSummary => ({ dir: s.dir, files: s.files, requests: s.requests, failed: s.failed });

/** Compares two loaded runs (loadRunSamples); pure apart from its seeded resampling. */
export function compareRuns(base: RunSamples, next: RunSamples, options: CompareOptions = {}): CompareResult {
  const statistic = options.statistic ?? "p50";
  const threshold = options.threshold ?? 5;
  const confidence = options.confidence ?? 0.95;
  const iterations = options.iterations ?? 2000;
  const seed = options.seed ?? 1;
  const both = [...base.values.keys()].filter((m) => next.values.has(m));
  let names: string[];
  if (options.metrics === undefined || options.metrics.length === 0) {
    names = DEFAULT_METRICS.filter((m) => both.includes(m));
    if (names.length === 0) names = both.filter((m) => directionOf(m) !== "none");
    if (names.length === 0)
      throw new BenchError(
        "CONFIG_INVALID",
        `The two runs have no latency or throughput metric in common (base has ${base.requests} successful requests, new ${next.requests})`,
        { hint: "compare needs successful requests in both runs" },
      );
  } else {
    names = options.metrics.map((m) => METRIC_ALIASES[m.toLowerCase()] ?? m);
    for (const m of names) {
      if (both.includes(m)) continue;
      const near = didYouMean(m, both);
      const where = base.values.has(m) ? `the new run (${next.dir})` : next.values.has(m) ? `the base run (${base.dir})` : "either run";
      throw new BenchError("CONFIG_INVALID", `Invalid value "${m}" for --metric: not in ${where}${near === undefined ? "" : `; did you mean ${near}?`}`, {
        hint: `metrics in both runs: ${both.join(", ")}`,
      });
    }
  }
  const metrics = names.map((metric): MetricComparison => {
    const a = base.values.get(metric) as number[];
    const b = next.values.get(metric) as number[];
    const direction = directionOf(metric);
    const valueA = statisticOf(Float64Array.from(a).sort(), statistic);
    const valueB = statisticOf(Float64Array.from(b).sort(), statistic);
    const row = {
      metric,
      unit: base.units.get(metric) ?? next.units.get(metric) ?? "",
      direction,
      base: { n: a.length, value: valueA },
      next: { n: b.length, value: valueB },
    };
    if (a.length < 2 || b.length < 2)
      return {
        ...row,
        change: Number.NaN,
        ci: { low: Number.NaN, high: Number.NaN },
        p: Number.NaN,
        probabilityGreater: Number.NaN,
        significant: false,
        verdict: "too few requests",
      };
    const test = mannWhitneyU(b, a);
    const ci = bootstrapRelativeChange(a, b, statistic, { iterations, confidence, seed });
    const significant = test.p < 1 - confidence && (ci.low > 0 || ci.high < 0);
    const worse = direction === "lower" ? ci.estimate > 0 : direction === "higher" ? ci.estimate < 0 : false;
    const beyond = Math.abs(ci.estimate) * 100 > threshold;
    const verdict: Verdict = !significant
      ? "no significant change"
      : direction === "none"
        ? "changed"
        : !beyond
          ? "within threshold"
          : worse
            ? "regressed"
            : "improved";
    return { ...row, change: ci.estimate, ci: { low: ci.low, high: ci.high }, p: test.p, probabilityGreater: test.probabilityGreater, significant, verdict };
  });
  return {
    statistic,
    threshold,
    confidence,
    base: summary(base),
    next: summary(next),
    metrics,
    regressed: metrics.filter((m) => m.verdict === "regressed").map((m) => m.metric),
  };
}
