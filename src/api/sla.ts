/**
 * `checkSla(report, sla)`: a report against service-level bounds, for assertions that read well:
 * `expect(checkSla(report, { time_to_first_token: { p99: 200 }, request_throughput: { min: 50 } })).toEqual([])`.
 * Each bound names a statistic of a metric. `min` is a lower bound ("at least"); every other
 * statistic (avg, p50…p99, max, std) is an upper bound ("at most"). A metric that has only one
 * value (request_throughput, benchmark_duration…) is judged on that value, whatever the statistic.
 */
import type { MetricStats } from "./profile.ts";

export type SlaStat = "avg" | "min" | "max" | "std" | "p1" | "p5" | "p10" | "p25" | "p50" | "p75" | "p90" | "p95" | "p99";
/** Metric tag → statistic → bound, in the report's display units (ms, requests/sec, tokens/sec…). */
export type Sla = Record<string, Partial<Record<SlaStat, number>>>;

export type SlaViolation = {
  metric: string;
  stat: SlaStat;
  bound: number;
  /** The report's value; null when the report has no such metric. */
  actual: number | null;
  /** "above" an upper bound, "below" a lower bound, or "missing" from the report. */
  kind: "above" | "below" | "missing";
  unit: string | undefined;
  message: string;
};

/** Every bound the report breaks; an empty list when it meets them all. */
export function checkSla(report: Record<string, unknown>, sla: Sla): SlaViolation[] {
  const violations: SlaViolation[] = [];
  for (const [metric, bounds] of Object.entries(sla)) {
    const stats = report[metric] as MetricStats | undefined;
    for (const [stat, bound] of Object.entries(bounds) as [SlaStat, number][]) {
      if (typeof bound !== "number" || !Number.isFinite(bound))
        throw new TypeError(`checkSla: the bound ${metric}.${stat} must be a finite number, got ${String(bound)}`);
      const lower = stat === "min";
      const actual = statOf(stats, stat);
      const unit = stats?.unit;
      const shown = (n: number): string => `${Number(n.toPrecision(6))}${unit === undefined ? "" : ` ${unit}`}`;
      if (actual === null) {
        violations.push({
          metric,
          stat,
          bound,
          actual,
          kind: "missing",
          unit,
          message: `${metric}.${stat}: not in the report (bound ${lower ? "≥" : "≤"} ${bound})`,
        });
      } else if (lower ? actual < bound : actual > bound) {
        const kind = lower ? "below" : "above";
        violations.push({
          metric,
          stat,
          bound,
          actual,
          kind,
          unit,
          message: `${metric}.${stat} = ${shown(actual)}, ${kind} the bound ${lower ? "≥" : "≤"} ${shown(bound)}`,
        });
      }
    }
  }
  return violations;
}

function statOf(stats: MetricStats | undefined, stat: SlaStat): number | null {
  if (stats === undefined || typeof stats !== "object") return null;
  const own = stats[stat];
  if (typeof own === "number") return own;
  // A single-valued metric has avg only: every statistic of it is that value.
  const single = Object.keys(stats).every((k) => k === "unit" || k === "avg" || k === "count" || k === "sum");
  return single && typeof stats.avg === "number" ? stats.avg : null;
}
