/**
 * SLA search: the highest concurrency (or rate) whose run meets every SLA, assuming latency and
 * errors only grow with load. Bracket by doubling from the minimum until a run misses (or the
 * maximum passes), then bisect between the highest pass and the lowest miss. The search state is
 * pure (tests drive it with made-up verdicts); src/study/index.ts runs the probes.
 */
import type { MetricAggregate } from "./aggregate.ts";
import type { SlaFilter } from "./options.ts";

export type FilterResult = SlaFilter & { observed: number | undefined; met: boolean; margin_pct: number | undefined };

/** Each SLA against a point's metrics (the mean over its trials). A missing metric misses: it cannot be shown to hold. */
export function judge(metrics: Map<string, MetricAggregate>, filters: SlaFilter[]): FilterResult[] {
  return filters.map((f) => {
    const observed = metrics.get(`${f.metric}_${f.stat}`)?.mean;
    if (observed === undefined) return { ...f, observed, met: false, margin_pct: undefined };
    const met =
      f.op === "lt" ? observed < f.threshold : f.op === "le" ? observed <= f.threshold : f.op === "gt" ? observed > f.threshold : observed >= f.threshold;
    // Headroom in percent of the threshold: positive when met, negative when missed.
    const upper = f.op === "lt" || f.op === "le";
    const margin = f.threshold === 0 ? undefined : ((upper ? f.threshold - observed : observed - f.threshold) / Math.abs(f.threshold)) * 100;
    return { ...f, observed, met, margin_pct: margin };
  });
}

type StopReason = "resolved" | "max_passes" | "min_fails" | "run_failed" | "interrupted";

export class SlaSearch {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** Highest value that met every SLA, lowest that missed one. */
  lo: number | undefined;
  hi: number | undefined;
  phase: "bracket" | "bisect" = "bracket";
  stop: StopReason | undefined;
  #next: number | undefined;

  constructor(min: number, max: number, integer: boolean) {
    this.min = min;
    this.max = max;
    this.integer = integer;
    this.#next = min;
  }

  /** The value to probe next, or undefined when the search has stopped. */
  next(): number | undefined {
    return this.stop === undefined ? this.#next : undefined;
  }

  /** Rates stop at 5 % of the passing value; integers when the bracket holds no integer between. */
  resolved(lo: number, hi: number): boolean {
    return this.integer ? hi - lo <= 1 : hi - lo <= 0.05 * lo;
  }

  record(value: number, passed: boolean): void {
    if (passed) this.lo = value;
    else this.hi = value;
    if (this.phase === "bracket") {
      if (passed) {
        if (value >= this.max) return void (this.stop = "max_passes");
        this.#next = Math.min(value * 2, this.max);
        return;
      }
      if (this.lo === undefined) return void (this.stop = "min_fails");
      this.phase = "bisect";
    }
    const lo = this.lo as number;
    const hi = this.hi as number;
    if (this.resolved(lo, hi)) return void (this.stop = "resolved");
    const mid = (lo + hi) / 2;
    // Rates keep four significant digits: labels and folders stay readable.
    this.#next = this.integer ? Math.floor(mid) : Number(mid.toPrecision(4));
  }

  halt(reason: "run_failed" | "interrupted"): void {
    this.stop = reason;
  }
}

/** Why the search stopped, in words. */
export function stopText(s: SlaSearch, parameter: string, flags: { min: string; max: string }, failure?: string): string {
  switch (s.stop) {
    case "resolved":
      return `bracketed: ${parameter} ${s.lo} meets every SLA and ${s.hi} misses one, ${s.integer ? "adjacent values" : "within 5 %"}`;
    case "max_passes":
      return `${parameter} ${s.max} (${flags.max}) meets every SLA: the answer may lie above it; raise ${flags.max} to look further`;
    case "min_fails":
      return `the lowest ${parameter}, ${s.min} (${flags.min}), misses the SLA: no value in the range meets it`;
    case "run_failed":
      return `a run failed (${failure ?? "see its log"}): the search stopped there`;
    case "interrupted":
      return "interrupted: the search stopped; the runs made so far are reported";
    default:
      return "not finished";
  }
}
