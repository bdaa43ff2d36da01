/**
 * A worker's clock checked from its credits, continuously, with no extra traffic. A credit leaves
 * timing stamped with the controller's monotonic clock (Credit.issuedNs); the worker stamps its
 * arrival (forward delay = arrival − issue) and stamps its return when it sends it (CreditReturn:
 * forwardNs, sentNs); timing stamps the return's arrival (backward delay = arrival − sent). If the
 * worker's clock is off the controller's by r, forward = d1 + r and backward = d2 − r with d1, d2 ≥ 0
 * (as NTP reasons), so one credit puts r in [−backward, forward]: its midpoint, ± half the width.
 * As NTP's clock filter does, the credit with the narrowest interval stands for a window of
 * credits; the forward and backward halves are never mixed across credits, since a drifting clock
 * moves r between them. On one host r is 0 within the uncertainty; on a worker node it is what the
 * applied offset missed. Both of a process's clocks run on performance.now() (core/clock.ts), so
 * r moves them alike.
 */
import type { ClockEstimate } from "./messages.ts";

export type CreditClockEstimate = {
  /** The worker's clock minus the controller's, beyond the offset it already applies (ns). */
  offsetNs: number;
  /** Half the width of the interval the offset lies in (ns). */
  uncertaintyNs: number;
  /** Credit round trips behind the estimate. */
  samples: number;
};

/** How many round trips a window holds before it rolls; the newest full window stands for the clock. */
const WINDOW = 256;
/** Round trips an estimate needs before it may move a node's clock. */
const MIN_SAMPLES = 16;

type Best = { offsetNs: number; uncertaintyNs: number; count: number };
const empty = (): Best => ({ offsetNs: 0, uncertaintyNs: Number.POSITIVE_INFINITY, count: 0 });

export class CreditClock {
  #previous = empty();
  #current = empty();
  #samples = 0;

  /** One credit's round trip: its forward delay (worker's stamp) and backward delay (timing's). */
  add(forwardNs: number, backwardNs: number): void {
    if (!Number.isFinite(forwardNs) || !Number.isFinite(backwardNs)) return;
    if (this.#current.count === WINDOW) {
      this.#previous = this.#current;
      this.#current = empty();
    }
    const c = this.#current;
    const half = (forwardNs + backwardNs) / 2;
    if (half < c.uncertaintyNs) {
      c.offsetNs = (forwardNs - backwardNs) / 2;
      c.uncertaintyNs = half;
    }
    c.count++;
    this.#samples++;
  }

  /** Undefined until a round trip was seen. */
  estimate(): CreditClockEstimate | undefined {
    const c = this.#current;
    const p = this.#previous;
    const best = c.count >= MIN_SAMPLES || p.count === 0 || c.uncertaintyNs <= p.uncertaintyNs ? c : p;
    if (best.count === 0) return undefined;
    return { offsetNs: best.offsetNs, uncertaintyNs: Math.max(0, best.uncertaintyNs), samples: this.#samples };
  }

  /** After the worker's clock was corrected by an estimate: old delays measured the old clock. */
  reset(): void {
    this.#previous = empty();
    this.#current = empty();
  }
}

/**
 * The tightest of several workers' estimates (one node's workers share its clock): the one with
 * the smallest uncertainty, with every worker's samples counted.
 */
export function tightest(estimates: readonly CreditClockEstimate[]): CreditClockEstimate | undefined {
  let best: CreditClockEstimate | undefined;
  let samples = 0;
  for (const e of estimates) {
    samples += e.samples;
    if (best === undefined || e.uncertaintyNs < best.uncertaintyNs) best = e;
  }
  return best === undefined ? undefined : { ...best, samples };
}

/**
 * The node's offsets corrected by its credits' estimate, or undefined when the estimate does not
 * show the applied offsets wrong: too few samples, or an interval that still contains zero.
 */
export function creditCorrection(applied: ClockEstimate, estimate: CreditClockEstimate): ClockEstimate | undefined {
  if (estimate.samples < MIN_SAMPLES || Math.abs(estimate.offsetNs) <= estimate.uncertaintyNs) return undefined;
  return {
    monoOffsetNs: applied.monoOffsetNs + estimate.offsetNs,
    wallOffsetNs: applied.wallOffsetNs + estimate.offsetNs,
    uncertaintyNs: estimate.uncertaintyNs,
  };
}
