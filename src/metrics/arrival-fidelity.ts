/**
 * Arrival fidelity (beyond upstream): did the run deliver the load that was asked for? Compares
 * the profiling requests' real send times with the requested arrival process: the achieved rate,
 * and for Poisson/gamma arrivals a one-sample KS test of the realised inter-arrival gaps against
 * the requested distribution. Constant rates get interval jitter instead (a KS test against a
 * point mass is meaningless); fixed schedules get replay lag (send time − scheduled time).
 */
import { exponentialCdf, gammaCdf, ksTest } from "./fidelity-math.ts";
import { Float64Series, percentileOfSorted } from "./stats.ts";
import { wrapHanging } from "../core/wrap.ts";

/** The arrival process the run asked for. */
type ArrivalSpec =
  | { kind: "constant"; rate: number }
  | { kind: "poisson"; rate: number }
  | { kind: "gamma"; rate: number; shape: number }
  | { kind: "fixed_schedule" }
  /** Closed loop (concurrency_burst, user-centric, …): no arrival process to check. */
  | { kind: "none" };

/** The JSON block `arrival_fidelity` (times in µs, rates per second). */
type ArrivalFidelity = {
  arrival: string;
  requests: number;
  requested_rate?: number;
  achieved_rate?: number;
  /** achieved / requested. */
  rate_ratio?: number;
  gamma_shape?: number;
  ks?: { statistic: number; p_value: number; samples: number };
  /** Constant rate: |gap − 1/rate|, µs. */
  interval_jitter_us?: { p50: number; p99: number; max: number };
  /** Fixed schedule: send time − scheduled time, µs. */
  replay_lag_us?: { p50: number; p90: number; p99: number };
};

/** The resolved profile's fields that name the arrival process (config/resolve.ts ResolvedProfile). */
type ArrivalConfig = {
  rateMode: string;
  requestRate?: number | undefined;
  /** Gamma's shape k (--arrival-smoothness); 1 when absent. */
  arrivalSmoothness?: number | undefined;
  fixedSchedule?: boolean;
  requestRateRampDuration?: number | undefined;
};

/** The arrival process a run asked for; `none` for closed loops, user-centric runs, rate series and ramps. */
export function arrivalSpecOf(config: ArrivalConfig): ArrivalSpec {
  const mode = config.rateMode;
  if (config.fixedSchedule === true || mode === "fixed_schedule") return { kind: "fixed_schedule" };
  const rate = config.requestRate !== undefined && config.requestRate > 0 ? config.requestRate : undefined;
  // A rate ramp is not one stationary process: there is no single distribution to test against.
  if (rate === undefined || config.requestRateRampDuration !== undefined) return { kind: "none" };
  if (mode === "constant") return { kind: "constant", rate };
  if (mode === "poisson") return { kind: "poisson", rate };
  if (mode === "gamma") return { kind: "gamma", rate, shape: config.arrivalSmoothness ?? 1 };
  return { kind: "none" };
}

/** Collects each profiling request's send time and intended time; `report` does the statistics. */
export class ArrivalCollector {
  readonly #starts = new Float64Series();
  /** start − intended, every request: how far the arrivals were off the schedule (replay lag). */
  readonly #scheduleLags = new Float64Series();
  /** start − max(intended, ready), successful requests: the client's own lag (the verdict). */
  readonly #lags = new Float64Series();
  /** The credit number (within the phase) of each #lags entry. */
  readonly #lagNums = new Float64Series();
  readonly #latencies = new Float64Series();
  #succeeded = 0;
  /** Every request's intended time: the schedule's own spacing. */
  readonly #intended = new Float64Series();

  /**
   * `paced`: the request followed the arrival process (a session's first turn; later turns follow
   * their replies, so only their send lag counts). `intendedNs` may be absent (older records).
   * `readyNs`: when its concurrency slot freed, if after intendedNs; the client's lag counts from
   * the later of the two. `ok`: it succeeded. Only successful requests give client lags and
   * latencies: a failure that comes back at once says nothing about the client's pace against a
   * server. `num`: the credit's number in the phase (the start-up fill is told apart by it).
   */
  add(
    startNs: number,
    intendedNs: number | undefined,
    paced = true,
    endNs?: number,
    extra: { readyNs?: number | undefined; ok?: boolean; num?: number } = {},
  ): void {
    if (paced) this.#starts.push(startNs);
    if (intendedNs !== undefined) {
      this.#scheduleLags.push(startNs - intendedNs);
      this.#intended.push(intendedNs);
    }
    if (extra.ok === false) return;
    this.#succeeded++;
    if (intendedNs !== undefined) {
      this.#lags.push(clientSendLagNs(startNs, intendedNs, extra.readyNs));
      this.#lagNums.push(extra.num ?? Number.POSITIVE_INFINITY);
    }
    if (endNs !== undefined) this.#latencies.push(endNs - startNs);
  }

  /** Requests added as successful. */
  get succeeded(): number {
    return this.#succeeded;
  }

  /**
   * The median gap between consecutive intended send times (ns): the schedule's own spacing,
   * whatever the client did with it. The median, not the mean: a trace of bursts (many requests at
   * one timestamp, minutes apart) has a long mean gap, but its spacing is the bursts'. Undefined
   * with fewer than two requests.
   */
  medianIntendedGapNs(): number | undefined {
    const times = this.#intended.sortedCopy();
    if (times.length < 2) return undefined;
    const gaps = new Float64Array(times.length - 1);
    for (let i = 1; i < times.length; i++) gaps[i - 1] = (times[i] as number) - (times[i - 1] as number);
    return percentileOfSorted(gaps.sort(), 50);
  }

  /** The median request latency (start to end, ns), or undefined when no request gave one. */
  latencyP50Ns(): number | undefined {
    const sorted = this.#latencies.sortedCopy();
    return sorted.length === 0 ? undefined : percentileOfSorted(sorted, 50);
  }

  /**
   * Every successful request's start − (intended or ready) time (ns), in arrival order; a view,
   * copy before sorting. `skipFirst`: leave out credits numbered below it (a closed loop's start-up
   * fill, whose credits all go at once).
   */
  sendLagsNs(skipFirst = 0): Float64Array {
    if (skipFirst <= 0) return this.#lags.view();
    const lags = this.#lags.view();
    const nums = this.#lagNums.view();
    return lags.filter((_, i) => (nums[i] as number) >= skipFirst);
  }

  /** Null when there is nothing to check (closed loop, or fewer than two requests). */
  report(spec: ArrivalSpec): ArrivalFidelity | null {
    return arrivalFidelity(spec, this.#starts.view(), this.#scheduleLags.view());
  }
}

/** The fidelity block for these send times and send lags (ns, any order). */
export function arrivalFidelity(spec: ArrivalSpec, startsNs: ArrayLike<number>, lagsNs: ArrayLike<number>): ArrivalFidelity | null {
  if (spec.kind === "none" || startsNs.length < 2) return null;
  const starts = Float64Array.from(startsNs).sort();
  const out: ArrivalFidelity = { arrival: spec.kind, requests: starts.length };
  if (spec.kind === "fixed_schedule") {
    const lags = Float64Array.from(lagsNs).sort();
    if (lags.length === 0) return out;
    out.replay_lag_us = { p50: us(percentileOfSorted(lags, 50)), p90: us(percentileOfSorted(lags, 90)), p99: us(percentileOfSorted(lags, 99)) };
    return out;
  }
  const spanSec = ((starts[starts.length - 1] as number) - (starts[0] as number)) / 1e9;
  out.requested_rate = spec.rate;
  if (spanSec > 0) {
    out.achieved_rate = round((starts.length - 1) / spanSec, 3);
    out.rate_ratio = round(out.achieved_rate / spec.rate, 4);
  }
  const gapsSec = new Float64Array(starts.length - 1);
  for (let i = 1; i < starts.length; i++) gapsSec[i - 1] = ((starts[i] as number) - (starts[i - 1] as number)) / 1e9;
  if (spec.kind === "constant") {
    const interval = 1 / spec.rate;
    const jitter = gapsSec.map((g) => Math.abs(g - interval) * 1e9).sort();
    out.interval_jitter_us = { p50: us(percentileOfSorted(jitter, 50)), p99: us(percentileOfSorted(jitter, 99)), max: us(jitter[jitter.length - 1] as number) };
    return out;
  }
  gapsSec.sort();
  const cdf = spec.kind === "poisson" ? (x: number) => exponentialCdf(x, spec.rate) : (x: number) => gammaCdf(x, spec.shape, spec.rate);
  if (spec.kind === "gamma") out.gamma_shape = spec.shape;
  const ks = ksTest(gapsSec, cdf);
  out.ks = { statistic: round(ks.d, 6), p_value: round(ks.pValue, 6), samples: ks.n };
  return out;
}

/** Below this KS p-value the gaps are called unlike the asked distribution (the usual 5 % level). */
const KS_ALPHA = 0.05;

/**
 * The console text in plain words (wrapped to `width`, lines joined by "\n"), or null when there
 * is nothing to say: what was asked, what was sent, and whether the spacing looked as asked.
 */
export function arrivalFidelityLine(f: ArrivalFidelity | null, width = 100): string | null {
  if (f === null) return null;
  if (f.replay_lag_us !== undefined) {
    const r = f.replay_lag_us;
    return wrapHanging(
      `Arrival fidelity (fixed schedule): requests left this long after their trace timestamps: p50 ${r.p50} µs, p90 ${r.p90} µs, p99 ${r.p99} µs.`,
      width,
    ).join("\n");
  }
  const kind = f.arrival === "gamma" ? `gamma (shape ${f.gamma_shape})` : f.arrival;
  const pct = f.rate_ratio === undefined ? "" : ` (${(f.rate_ratio * 100).toFixed(1)} %)`;
  const parts = [`Arrival fidelity (${kind}): sent ${f.achieved_rate ?? "n/a"} req/s of the ${f.requested_rate} asked${pct}.`];
  if (f.ks !== undefined) {
    const { statistic: d, p_value: p, samples: n } = f.ks;
    const weak = n < 50 ? ` With only ${n} gaps the test sees little.` : "";
    parts.push(
      p >= KS_ALPHA
        ? `The gaps between requests fit the asked ${f.arrival} spacing (KS test: largest gap-distribution difference D ${d.toFixed(4)}, p ${p.toFixed(2)}; p below ${KS_ALPHA} would mean they do not).${weak}`
        : `The gaps between requests do not fit the asked ${f.arrival} spacing (KS test: D ${d.toFixed(4)}, p ${p.toFixed(4)}, below ${KS_ALPHA}): the load was burstier or smoother than asked; check the client verdict below.${weak}`,
    );
  }
  if (f.interval_jitter_us !== undefined) {
    const j = f.interval_jitter_us;
    parts.push(`Gaps between requests were off the exact interval by p50 ${j.p50} µs, p99 ${j.p99} µs.`);
  }
  return wrapHanging(parts.join(" "), width).join("\n");
}

function us(ns: number): number {
  return round(ns / 1e3, 1);
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/**
 * The client's own send lag (ns): from the later of the intended time and the moment its slot
 * freed (a held turn waited for the server, not for the client) to the request's start.
 */
export function clientSendLagNs(startNs: number, intendedNs: number, readyNs?: number): number {
  return startNs - Math.max(intendedNs, readyNs ?? intendedNs);
}
