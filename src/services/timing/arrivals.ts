/**
 * When credits should go out, as offsets from an anchor. Offsets (not intervals) are what the
 * scheduler adds to its anchor, so a constant rate computes k·interval directly and never
 * accumulates rounding drift; restart() starts again from 0 when the scheduler re-anchors.
 */
import type { Rng } from "../../core/rng.ts";
import type { TimingPlan } from "../../protocol/timing-plan.ts";

export type Arrivals = {
  /** Offset in ns of the next arrival from the anchor; the first after a (re)start is 0. */
  next(): number;
  /** The anchor moved to now: offsets start from 0 again. */
  restart(): void;
};

/** Evenly spaced: arrival k is at round(k · 1e9 / rate). */
export function constantArrivals(ratePerSec: number): Arrivals {
  const intervalNs = 1e9 / ratePerSec;
  let k = 0;
  return {
    next: () => Math.round(k++ * intervalNs),
    restart: () => void (k = 0),
  };
}

/** A Poisson process: exponential gaps with mean 1/rate, drawn from `rng`. */
export function poissonArrivals(ratePerSec: number, rng: Rng): Arrivals {
  let sumNs = 0;
  let first = true;
  return {
    next: () => {
      if (first) {
        first = false;
        return 0;
      }
      // Exponential gap with mean 1/rate; 1 − u keeps the log finite.
      sumNs += (-Math.log(1 - rng.next()) / ratePerSec) * 1e9;
      return Math.round(sumNs);
    },
    restart: () => {
      sumNs = 0;
      first = true;
    },
  };
}

/** The plan's schedule; null for concurrency_burst (a closed loop). */
export function makeArrivals(plan: TimingPlan, rng: Rng): Arrivals | null {
  const rate = plan.requestRate;
  if (plan.rateMode === "concurrency_burst" || rate === undefined) return null;
  return plan.rateMode === "constant" ? constantArrivals(rate) : poissonArrivals(rate, rng);
}
