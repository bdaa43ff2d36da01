/**
 * Run-validity verdict (beyond upstream): was the client the bottleneck? Two symptoms make a run
 * invalid: requests left late (send-lag p99 above a bound, so the server never saw the load that
 * was asked for), or a worker's event loop stalled (loop-lag p99 above a bound, so response
 * timestamps of other requests were taken late). The JSON marks the run, the console says so,
 * and --fail-on-client-bottleneck turns it into a non-zero exit.
 */
import { percentileOfSorted } from "./stats.ts";

/** One worker's event-loop lag over the profiling phase (timer drift), ns. */
export type LoopLagReport = { worker: string; samples: number; p99Ns: number; maxNs: number };

/**
 * Bounds in milliseconds (--client-bottleneck-send-lag-ms, --client-bottleneck-loop-lag-ms).
 * `closedLoopLatencyNs`: a closed loop (concurrency only) has no schedule for a late request to
 * distort; its lag only stretches each request's cycle. There the send-lag bound is the larger
 * of `sendLagMs` and CLOSED_LOOP_SHARE of this (the median request latency).
 */
export type VerdictBounds = { sendLagMs: number; loopLagMs: number; closedLoopLatencyNs?: number };

/** In a closed loop, send lag p99 up to this share of the median latency costs under 1 % of the load. */
export const CLOSED_LOOP_SHARE = 0.01;

export const DEFAULT_VERDICT_BOUNDS: VerdictBounds = { sendLagMs: 1, loopLagMs: 5 };

/** The JSON block `run_validity` (ms). */
export type RunValidity = {
  valid: boolean;
  /** Empty when valid; one sentence per broken bound. */
  reasons: string[];
  send_lag_p99_ms: number | null;
  worker_loop_lag_p99_ms: number | null;
  worker_loop_lag_max_ms: number | null;
  bounds: { send_lag_p99_ms: number; worker_loop_lag_p99_ms: number };
};

/** The verdict from the profiling requests' send lags (ns, any order) and the workers' loop lag. */
export function clientVerdict(sendLagsNs: ArrayLike<number>, loopLag: readonly LoopLagReport[], bounds: VerdictBounds = DEFAULT_VERDICT_BOUNDS): RunValidity {
  const reasons: string[] = [];
  const lags = Float64Array.from(sendLagsNs).sort();
  const sendP99 = lags.length === 0 ? null : ms(percentileOfSorted(lags, 99));
  const closedLoop = bounds.closedLoopLatencyNs !== undefined;
  const sendBoundMs = closedLoop ? Math.max(bounds.sendLagMs, ms(CLOSED_LOOP_SHARE * (bounds.closedLoopLatencyNs ?? 0))) : bounds.sendLagMs;
  if (sendP99 !== null && sendP99 > sendBoundMs) {
    const why = closedLoop ? "requests left their slots late, so the server saw less load than the concurrency asked for" : "requests left later than scheduled";
    reasons.push(`send lag p99 ${sendP99} ms exceeds ${sendBoundMs} ms: ${why}`);
  }
  const measured = loopLag.filter((w) => w.samples > 0);
  const worst = measured.reduce<LoopLagReport | null>((a, w) => (a === null || w.p99Ns > a.p99Ns ? w : a), null);
  const loopP99 = worst === null ? null : ms(worst.p99Ns);
  const loopMax = measured.length === 0 ? null : ms(Math.max(...measured.map((w) => w.maxNs)));
  if (worst !== null && loopP99 !== null && loopP99 > bounds.loopLagMs) {
    reasons.push(`worker event-loop lag p99 ${loopP99} ms (${worst.worker}) exceeds ${bounds.loopLagMs} ms: response timestamps were taken late`);
  }
  return {
    valid: reasons.length === 0,
    reasons,
    send_lag_p99_ms: sendP99,
    worker_loop_lag_p99_ms: loopP99,
    worker_loop_lag_max_ms: loopMax,
    bounds: { send_lag_p99_ms: sendBoundMs, worker_loop_lag_p99_ms: bounds.loopLagMs },
  };
}

/** One console line: the bottleneck warning with its reasons, or the figures that passed. */
export function verdictLine(v: RunValidity): string | null {
  if (!v.valid) return `Run invalid: the client was the bottleneck (${v.reasons.join("; ")})`;
  if (v.send_lag_p99_ms === null && v.worker_loop_lag_p99_ms === null) return null;
  const parts: string[] = [];
  if (v.send_lag_p99_ms !== null) parts.push(`send lag p99 ${v.send_lag_p99_ms} ms`);
  if (v.worker_loop_lag_p99_ms !== null) parts.push(`worker event-loop lag p99 ${v.worker_loop_lag_p99_ms} ms`);
  return `Client check: ${parts.join(", ")} (within bounds)`;
}

function ms(ns: number): number {
  return Number((ns / 1e6).toFixed(3));
}
