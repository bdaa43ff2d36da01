/**
 * When credits should go out, as offsets from an anchor. Offsets (not intervals) are what the
 * scheduler adds to its anchor, so a constant rate computes k·interval directly and never
 * accumulates rounding drift; restart() starts again from 0 when the scheduler re-anchors.
 * Patterns: constant, poisson (exponential gaps), gamma (shape k, scale 1/(k·rate): mean 1/rate,
 * CV 1/√k, vLLM's --burstiness), each optionally under a rate ramp or a rate series (piecewise
 * linear; each gap is drawn at the rate in force where it starts).
 */
import type { Rng } from "../../core/rng.ts";
import type { TimingRateMode } from "../../protocol/timing-plan.ts";

export type Arrivals = {
  /** Offset in ns of the next arrival from the anchor; the first after a (re)start is 0. */
  next(): number;
  /** The anchor moved to now, `elapsedNs` after the phase started: offsets start from 0 again. */
  restart(elapsedNs?: number): void;
};

/** How often a rate ramp raises the rate (upstream's update interval; our choice of value). */
export const RAMP_STEP_SEC = 0.1;

/** Evenly spaced: arrival k is at round(k · 1e9 / rate). */
export function constantArrivals(ratePerSec: number): Arrivals {
  const intervalNs = 1e9 / ratePerSec;
  let k = 0;
  return {
    next: () => Math.round(k++ * intervalNs),
    restart: () => void (k = 0),
  };
}

/** A draw of one gap for a rate of 1 per second (mean 1 s). */
type UnitGap = () => number;

/** Gaps from `unitGap` scaled to the rate in force at each arrival (`rateAt(elapsed since phase start)`). */
function gapArrivals(unitGap: UnitGap, rateAt: (elapsedNs: number) => number): Arrivals {
  let sumNs = 0;
  let baseNs = 0;
  let first = true;
  return {
    next: () => {
      if (first) {
        first = false;
        return 0;
      }
      sumNs += (unitGap() / rateAt(baseNs + sumNs)) * 1e9;
      return Math.round(sumNs);
    },
    restart: (elapsedNs = 0) => {
      sumNs = 0;
      baseNs = elapsedNs;
      first = true;
    },
  };
}

/** Exponential with mean 1; 1 − u keeps the log finite. */
function exponential(rng: Rng): number {
  return -Math.log(1 - rng.next());
}

/**
 * Gamma(shape k, scale 1) by Marsaglia and Tsang (2000); for k < 1 the k+1 draw is scaled by
 * U^(1/k) (their boosting step).
 */
export function gammaDraw(rng: Rng, k: number): number {
  if (k < 1) return gammaDraw(rng, k + 1) * (1 - rng.next()) ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal(0, 1);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Poisson process: exponential gaps with mean 1/rate, drawn from `rng`. */
export function poissonArrivals(ratePerSec: number, rng: Rng): Arrivals {
  return gapArrivals(
    () => exponential(rng),
    () => ratePerSec,
  );
}

/** Gamma gaps: shape k, scale 1/(k·rate); k = 1 is poisson, larger k is smoother. */
export function gammaArrivals(ratePerSec: number, k: number, rng: Rng): Arrivals {
  return gapArrivals(
    () => gammaDraw(rng, k) / k,
    () => ratePerSec,
  );
}

/**
 * The rate of a ramp at `elapsedNs` into the phase: target·RAMP_STEP/duration at first, one more
 * step's worth every RAMP_STEP, the target from `durationNs` on.
 */
export function rampRate(target: number, durationNs: number, elapsedNs: number): number {
  const stepNs = RAMP_STEP_SEC * 1e9;
  if (durationNs <= stepNs || elapsedNs >= durationNs) return target;
  const steps = Math.floor(Math.max(0, elapsedNs) / stepNs) + 1;
  return Math.min(target, (target * steps * stepNs) / durationNs);
}

/** A point of a rate series: the rate (per second) at `timeSec` after the phase start. */
export type RatePoint = { timeSec: number; rate: number };

/** The rate of a series at `elapsedNs`: linear between points, the first's before, the last's after. */
export function seriesRate(points: readonly RatePoint[], elapsedNs: number): number {
  const t = elapsedNs / 1e9;
  const first = points[0] as RatePoint;
  if (t <= first.timeSec) return first.rate;
  for (let i = 1; i < points.length; i++) {
    const b = points[i] as RatePoint;
    if (t < b.timeSec) {
      const a = points[i - 1] as RatePoint;
      return a.rate + ((b.rate - a.rate) * (t - a.timeSec)) / (b.timeSec - a.timeSec);
    }
  }
  return (points[points.length - 1] as RatePoint).rate;
}

type ArrivalLoad = {
  rateMode: TimingRateMode;
  requestRate?: number | undefined;
  smoothness?: number | undefined;
  rateRampSec?: number | undefined;
  rateSeries?: readonly RatePoint[] | undefined;
};

/** A phase's schedule; null for concurrency_burst (a closed loop). */
export function makeArrivals(load: ArrivalLoad, rng: Rng): Arrivals | null {
  const rate = load.requestRate;
  const series = load.rateSeries;
  if (load.rateMode === "concurrency_burst" || (rate === undefined && (series === undefined || series.length === 0))) return null;
  const rampNs = (load.rateRampSec ?? 0) * 1e9;
  if (rate !== undefined && rampNs === 0) {
    if (load.rateMode === "constant") return constantArrivals(rate);
    if (load.rateMode === "gamma") return gammaArrivals(rate, load.smoothness ?? 1, rng);
    return poissonArrivals(rate, rng);
  }
  const k = load.smoothness ?? 1;
  const unit: UnitGap = load.rateMode === "constant" ? () => 1 : load.rateMode === "gamma" ? () => gammaDraw(rng, k) / k : () => exponential(rng);
  if (rate === undefined) return gapArrivals(unit, (elapsedNs) => seriesRate(series as RatePoint[], elapsedNs));
  return gapArrivals(unit, (elapsedNs) => rampRate(rate, rampNs, elapsedNs));
}
