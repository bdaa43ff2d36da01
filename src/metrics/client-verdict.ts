/**
 * Run-validity verdict (beyond upstream): was the client the bottleneck? Two symptoms make a run
 * invalid: requests left late (send-lag p99 above a bound, or in a closed loop its mean, so the
 * server never saw the load that was asked for), or a worker's event loop stalled (loop-lag p99 above a bound, so response
 * timestamps of other requests were taken late). The JSON marks the run, the console says so,
 * and --fail-on-client-bottleneck turns it into a non-zero exit.
 */
import { percentileOfSorted } from "./stats.ts";
import { wrapHanging } from "../core/wrap.ts";

/** One worker's event-loop lag over the profiling phase (timer drift), ns. */
type LoopLagReport = { worker: string; samples: number; p99Ns: number; maxNs: number; tailCpuWaitShare?: number; tailLateWakeShare?: number };

/**
 * Bounds in milliseconds (--client-bottleneck-send-lag-ms, --client-bottleneck-loop-lag-ms).
 * `sendLagMs`: the send-lag bound the user gave; absent, the defaults below.
 * `closedLoopLatencyNs`: a closed loop (concurrency only) has no schedule for a late request to
 * distort; a late send only stretches its slot's cycle, so what it costs is the mean lag's share
 * of a cycle. There the mean send lag is judged (closedLoopSendLagBoundMs): a start-up burst
 * (every slot's first request at once, each a few ms late) costs almost nothing and does not fail
 * the run. `medianGapNs`: a rate or schedule's median gap between intended sends. Its p99 send lag
 * is judged against the larger of `sendLagMs` and OPEN_LOOP_SHARE of it: at 50 req/s a request
 * 1.5 ms late in 100 leaves the rate and the spacing as asked (the arrival-fidelity check says
 * so), and a verdict of "a lighter load than asked" would be false.
 */
type VerdictBounds = { sendLagMs?: number | undefined; loopLagMs: number; closedLoopLatencyNs?: number; medianGapNs?: number };

/** The send-lag bound where none is given: a rate or schedule's p99, and a closed loop's mean at most. */
const DEFAULT_SEND_LAG_MS = 1;
/** In a closed loop, a mean send lag up to this share of the median latency costs under 1 % of the load. */
const CLOSED_LOOP_SHARE = 0.01;
/**
 * In a closed loop the default bound holds the load lost under ~5 % (this share of the median
 * latency) where a 1 ms mean would lose more: a server answering in under 20 ms. Two workers on
 * the 2-core VM without queued credits left their slots empty 19-29 % of the time at a 0.9 ms
 * latency (mean 0.24-0.36 ms), which a 1 ms bound let pass.
 */
const CLOSED_LOOP_LOSS_SHARE = 0.05;
/**
 * ... but never below this: any client takes some microseconds from one reply's end to the next
 * send (ours 8-13 us on the 2-core VM at c=1-16), and against a server that answers in 0.1 ms that
 * alone is a tenth of the cycle.
 */
const CLOSED_LOOP_FLOOR_MS = 0.05;
/** With a rate or schedule, a p99 send lag up to this share of the median gap between sends leaves the load as asked. */
const OPEN_LOOP_SHARE = 0.1;

/**
 * The bound on a closed loop's mean send lag (ms) at a median request latency of `latencyMs`. The
 * given bound replaces the default's 1 ms and loss share; 1 % of the latency stays the least.
 */
export function closedLoopSendLagBoundMs(givenMs: number | undefined, latencyMs: number): number {
  const least = CLOSED_LOOP_SHARE * latencyMs;
  if (givenMs !== undefined) return Math.max(givenMs, least);
  return Math.max(CLOSED_LOOP_FLOOR_MS, Math.min(DEFAULT_SEND_LAG_MS, CLOSED_LOOP_LOSS_SHARE * latencyMs), least);
}

/** The bound on a rate or schedule's p99 send lag (ms), with `gapMs` its median gap between sends. */
export function openLoopSendLagBoundMs(givenMs: number | undefined, gapMs: number): number {
  return Math.max(givenMs ?? DEFAULT_SEND_LAG_MS, OPEN_LOOP_SHARE * gapMs);
}

/** From this share of CPU wait in the late stretches on, the verdict names other processes as the cause. */
const CPU_WAIT_NOTABLE_PCT = 30;
/** From this share of the late stretches spent asleep past the timer on, the verdict names the machine's late wake-ups. */
const LATE_WAKE_NOTABLE_PCT = 50;

const DEFAULT_VERDICT_BOUNDS: VerdictBounds = { loopLagMs: 5 };

/** The JSON block `run_validity` (ms). */
export type RunValidity = {
  valid: boolean;
  /**
   * False when no request succeeded: a run against nothing, or one where every request failed,
   * says nothing about the client (failures come back at once and flood the loop), so it is not
   * judged and stays `valid`. The run's own failure says what went wrong.
   */
  judged: boolean;
  /** Empty when valid; one sentence per broken bound. */
  reasons: string[];
  /** Send lag from when each request could go (its intended time, or when its slot freed). */
  send_lag_p99_ms: number | null;
  send_lag_mean_ms: number | null;
  worker_loop_lag_p99_ms: number | null;
  worker_loop_lag_max_ms: number | null;
  /**
   * In the worst worker's late probes (at or above its p99), the share of its busy time spent
   * runnable but waiting for a CPU, %: high means other processes held the cores. Null where unknown.
   */
  worker_loop_lag_cpu_wait_pct: number | null;
  /**
   * In the same late probes, the share of their lateness the worker spent asleep past its timer
   * (neither running nor waiting for a CPU), %: high means the machine woke its idle CPUs late
   * (a virtual machine's host busy elsewhere, deep power-saving states). Null where unknown.
   */
  worker_loop_lag_late_wake_pct: number | null;
  /** A rate or schedule bounds the send lag's p99; a closed loop its mean (`send_lag_mean_ms`). */
  bounds: { send_lag_p99_ms?: number; send_lag_mean_ms?: number; worker_loop_lag_p99_ms: number };
  /** Closed loop: the share of the asked load the server did not get because of send lag, %. */
  load_lost_pct?: number;
};

/**
 * The verdict from the profiling requests' send lags (ns, any order; counted from when each could
 * go: its intended time, or when the concurrency slot it waited for freed) and the workers' loop
 * lag. `succeeded`: how many requests succeeded; none means nothing is judged.
 */
export function clientVerdict(
  sendLagsNs: ArrayLike<number>,
  loopLag: readonly LoopLagReport[],
  bounds: VerdictBounds = DEFAULT_VERDICT_BOUNDS,
  succeeded = sendLagsNs.length,
): RunValidity {
  const reasons: string[] = [];
  const closedLoop = bounds.closedLoopLatencyNs !== undefined;
  const boundMs = closedLoop
    ? closedLoopSendLagBoundMs(bounds.sendLagMs, (bounds.closedLoopLatencyNs ?? 0) / 1e6)
    : openLoopSendLagBoundMs(bounds.sendLagMs, (bounds.medianGapNs ?? 0) / 1e6);
  const sendBoundMs = Number(boundMs.toFixed(3));
  const boundsOut = { ...(closedLoop ? { send_lag_mean_ms: sendBoundMs } : { send_lag_p99_ms: sendBoundMs }), worker_loop_lag_p99_ms: bounds.loopLagMs };
  if (succeeded === 0) {
    return {
      valid: true,
      judged: false,
      reasons,
      send_lag_p99_ms: null,
      send_lag_mean_ms: null,
      worker_loop_lag_p99_ms: null,
      worker_loop_lag_max_ms: null,
      worker_loop_lag_cpu_wait_pct: null,
      worker_loop_lag_late_wake_pct: null,
      bounds: boundsOut,
    };
  }
  const lags = Float64Array.from(sendLagsNs).sort();
  const sendP99 = lags.length === 0 ? null : ms(percentileOfSorted(lags, 99));
  const sendMean = lags.length === 0 ? null : ms(lags.reduce((a, x) => a + x, 0) / lags.length);
  let lostPct: number | undefined;
  if (closedLoop && sendMean !== null) {
    const latencyMs = (bounds.closedLoopLatencyNs ?? 0) / 1e6;
    lostPct = Number(((100 * Math.max(0, sendMean)) / (latencyMs + Math.max(0, sendMean)) || 0).toFixed(2));
    if (sendMean > sendBoundMs)
      reasons.push(
        `send lag mean ${sendMean} ms exceeds ${sendBoundMs} ms: requests left their slots late, so the server saw about ${lostPct} % less load than the concurrency asked for`,
      );
  } else if (!closedLoop && sendP99 !== null && sendP99 > sendBoundMs) {
    reasons.push(`send lag p99 ${sendP99} ms exceeds ${sendBoundMs} ms: requests left later than scheduled`);
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
    judged: true,
    reasons,
    send_lag_p99_ms: sendP99,
    send_lag_mean_ms: sendMean,
    worker_loop_lag_p99_ms: loopP99,
    worker_loop_lag_max_ms: loopMax,
    worker_loop_lag_cpu_wait_pct: worst?.tailCpuWaitShare === undefined ? null : Math.round(100 * worst.tailCpuWaitShare),
    worker_loop_lag_late_wake_pct: worst?.tailLateWakeShare === undefined ? null : Math.round(100 * worst.tailLateWakeShare),
    bounds: boundsOut,
    ...(lostPct === undefined ? {} : { load_lost_pct: lostPct }),
  };
}

/**
 * The console text: a warning that says what was late, by how much, why it matters and what to
 * do, or one line with the figures that passed. Null when there is nothing to say (not judged,
 * nothing measured). Lines are wrapped to `width` and joined by "\n".
 */
export function verdictLine(v: RunValidity, width = 100): string | null {
  if (!v.judged) return null;
  if (!v.valid) {
    const lines = ["Run invalid: the client was the bottleneck, not the server. The figures above describe a lighter load than the one asked for."];
    const { send_lag_p99_ms: p99Bound, send_lag_mean_ms: meanBound } = v.bounds;
    const lateWake = v.worker_loop_lag_late_wake_pct !== null && v.worker_loop_lag_late_wake_pct >= LATE_WAKE_NOTABLE_PCT;
    const loopLate = v.worker_loop_lag_p99_ms !== null && v.worker_loop_lag_p99_ms > v.bounds.worker_loop_lag_p99_ms;
    if (p99Bound !== undefined && v.send_lag_p99_ms !== null && v.send_lag_p99_ms > p99Bound) {
      lines.push(
        `- Requests left late: 1 in 100 went ${v.send_lag_p99_ms} ms or more after its scheduled time (send lag p99; allowed ${p99Bound} ms, --client-bottleneck-send-lag-ms or a tenth of the median gap between sends). The server received its requests later and less evenly than asked, so throughput reads low and latency may read low too.`,
      );
    }
    if (meanBound !== undefined && v.send_lag_mean_ms !== null && v.send_lag_mean_ms > meanBound) {
      lines.push(
        `- Requests left late: on average ${v.send_lag_mean_ms} ms after their concurrency slot freed (allowed ${meanBound} ms: by default 5 % of the median request latency, from 0.05 ms up to 1 ms or 1 % of it; --client-bottleneck-send-lag-ms sets it). The server saw about ${v.load_lost_pct ?? "?"} % less load than --concurrency asked for, so throughput reads low.`,
      );
    }
    if (loopLate) {
      lines.push(
        `- A worker was too busy to read replies on time: its event loop ran ${v.worker_loop_lag_p99_ms} ms late (p99; allowed ${v.bounds.worker_loop_lag_p99_ms} ms, worst ${v.worker_loop_lag_max_ms} ms), so reply times were stamped late and TTFT/ITL read high.${lateWake ? "" : cpuWaitText(v.worker_loop_lag_cpu_wait_pct)}`,
      );
    }
    if (lateWake) {
      // Late sends and a late loop have one cause here, whichever bound it broke.
      lines.push(
        `- The machine woke its idle CPUs late: in the worker's late stretches (event-loop lag p99 ${v.worker_loop_lag_p99_ms} ms) it was asleep past its timers ${v.worker_loop_lag_late_wake_pct} % of the time, neither running nor waiting for a CPU. Shared virtual machines do this when their host is busy elsewhere, and so do deep power-saving CPU states; more workers or a lighter load do not help.`,
      );
      lines.push(
        "What to do: run aiperf on a host or VM with dedicated cores (and shallow CPU idle states), or, if a few milliseconds do not matter for your question, raise --client-bottleneck-send-lag-ms / --client-bottleneck-loop-lag-ms.",
      );
    } else {
      lines.push(
        "What to do: give aiperf CPU cores not shared with the server or other work, raise --workers-max, or lower --concurrency/--request-rate; the bounds are --client-bottleneck-send-lag-ms and --client-bottleneck-loop-lag-ms.",
      );
    }
    return lines.flatMap((l) => wrapHanging(l, width)).join("\n");
  }
  if (v.send_lag_p99_ms === null && v.worker_loop_lag_p99_ms === null) return null;
  const parts: string[] = [];
  if (v.bounds.send_lag_mean_ms !== undefined && v.send_lag_mean_ms !== null) parts.push(`send lag mean ${v.send_lag_mean_ms} ms`);
  else if (v.send_lag_p99_ms !== null) parts.push(`send lag p99 ${v.send_lag_p99_ms} ms`);
  if (v.worker_loop_lag_p99_ms !== null) parts.push(`worker event-loop lag p99 ${v.worker_loop_lag_p99_ms} ms`);
  return wrapHanging(`Client check: ${parts.join(", ")} (within bounds)`, width).join("\n");
}

/** Whose CPU time the late stretches were: the worker's own work, or other processes holding the cores. */
function cpuWaitText(pct: number | null): string {
  if (pct === null) return "";
  if (pct >= CPU_WAIT_NOTABLE_PCT)
    return ` In those stretches it waited for a CPU ${pct} % of the time: other work held the cores (the server on this machine, other jobs, aiperf's other services).`;
  return ` In those stretches it was running its own work ${100 - pct} % of the time (waiting for a CPU ${pct} %): more workers would share it.`;
}

function ms(ns: number): number {
  return Number((ns / 1e6).toFixed(3));
}
