/**
 * What the live dashboard knows about the run: fed by the controller's events (phase start,
 * timing progress, records progress, the records service's live view, heartbeats), read by the
 * view. Pure bookkeeping, no terminal: the unit tests drive it with a fake clock.
 */
import type { GpuLive, RecordsLive, ServerMetricsLive } from "../../protocol/live-stats.ts";
import type { TimingPhaseResult, TimingPhaseStart, TimingProgress } from "../../protocol/timing-plan.ts";
import { closedLoopSendLagBoundMs, openLoopSendLagBoundMs } from "../../metrics/client-verdict.ts";

/** What the header and the verdict need of the configuration. */
export type DashboardInfo = {
  model: string;
  target: string;
  load: string;
  /** --client-bottleneck-send-lag-ms; absent: the verdict's defaults. */
  sendLagBoundMs?: number | undefined;
  loopLagBoundMs: number;
  /** A closed loop (concurrency): its mean send lag is judged, against a bound that follows the median latency. */
  closedLoop: boolean;
  /** A request rate's median gap between sends (ms): send lag is also judged against a tenth of it. */
  gapMs?: number;
  serverMetrics: boolean;
  gpuTelemetry: boolean;
};

type PhaseView = { phase: string; startMs: number; total?: number; durationSec?: number; sent: number; completed: number; endMs?: number };

/** Throughput over this trailing window (smooths the 500 ms progress steps). */
const RATE_WINDOW_MS = 5_000;
/** Points of throughput history kept for the sparkline (one a second). */
const HISTORY = 240;

/** A running count at a moment: completions (from the timing service) or output tokens (records). */
type Sample = { ms: number; n: number };

export class DashboardModel {
  readonly info: DashboardInfo;
  readonly startMs: number;
  /** What the run is doing now: "Starting services", "Warmup", "Profiling", "Processing records"… */
  stage = "Starting services";
  phases = new Map<string, PhaseView>();
  records = { processed: 0, expected: undefined as number | undefined };
  live: RecordsLive | undefined;
  /** The collectors' latest gauges, once a second while they run. */
  serverLive: ServerMetricsLive | undefined;
  gpuLive: GpuLive | undefined;
  health: { name: string; lateMs: number }[] = [];
  /** Requests per second, one point a second, for the sparkline. */
  history: number[] = [];
  stopping: string | undefined;
  #completions: Sample[] = [];
  #tokens: Sample[] = [];
  #lastHistoryMs = 0;

  constructor(info: DashboardInfo, nowMs: number) {
    this.info = info;
    this.startMs = nowMs;
  }

  phaseStarted(p: TimingPhaseStart, nowMs: number): void {
    this.phases.set(p.phase, {
      phase: p.phase,
      startMs: nowMs,
      sent: 0,
      completed: 0,
      ...(p.total === undefined ? {} : { total: p.total }),
      ...(p.durationSec === undefined ? {} : { durationSec: p.durationSec }),
    });
    this.stage = p.phase === "warmup" ? "Warmup" : "Profiling";
    if (p.phase === "profiling") this.#completions = [];
  }

  progress(p: TimingProgress, nowMs: number): void {
    const view = this.phases.get(p.phase);
    if (view === undefined) return;
    view.sent = p.sent;
    view.completed = p.completed;
    if (p.total !== undefined) view.total = p.total;
    if (p.phase === "profiling") this.#sample(this.#completions, p.completed, nowMs);
  }

  phaseEnded(p: TimingPhaseResult, nowMs: number): void {
    const view = this.phases.get(p.phase);
    if (view === undefined) return;
    view.sent = p.sent;
    view.completed = p.completed;
    view.endMs = nowMs;
    if (p.phase === "profiling") this.stage = "Processing records";
  }

  recordsProgress(p: { processed: number; expected?: number }): void {
    this.records = { processed: p.processed, expected: p.expected };
  }

  recordsLive(p: RecordsLive, nowMs: number): void {
    this.live = p;
    this.#sample(this.#tokens, p.outputTokens, nowMs);
  }

  /** The profiling phase, or warmup while that runs. */
  current(): PhaseView | undefined {
    return this.phases.get("profiling") ?? this.phases.get("warmup");
  }

  #sample(samples: Sample[], n: number, nowMs: number): void {
    samples.push({ ms: nowMs, n });
    while (samples.length > 2 && (samples[0] as Sample).ms < nowMs - RATE_WINDOW_MS) samples.shift();
    if (samples === this.#completions && nowMs - this.#lastHistoryMs >= 1_000) {
      this.#lastHistoryMs = nowMs;
      this.history.push(this.rates().requests ?? 0);
      if (this.history.length > HISTORY) this.history.shift();
    }
  }

  /** Requests and output tokens per second over the last few seconds; undefined before two samples. */
  rates(): { requests?: number; tokens?: number } {
    const rate = (samples: Sample[]): number | undefined => {
      const first = samples[0];
      const last = samples[samples.length - 1];
      if (first === undefined || last === undefined || last.ms - first.ms < 400) return undefined;
      return (last.n - first.n) / ((last.ms - first.ms) / 1000);
    };
    const requests = rate(this.#completions);
    const tokens = rate(this.#tokens);
    return { ...(requests === undefined ? {} : { requests }), ...(tokens === undefined ? {} : { tokens }) };
  }

  /** Whole-phase averages: completed requests and tokens over the profiling time so far. */
  averages(nowMs: number): { requests?: number; tokens?: number } {
    const p = this.phases.get("profiling");
    if (p === undefined) return {};
    const s = ((p.endMs ?? nowMs) - p.startMs) / 1000;
    if (s < 0.5) return {};
    return { requests: p.completed / s, tokens: (this.live?.outputTokens ?? 0) / s };
  }

  /** Seconds left in the current phase: by the clock for a duration, by the recent rate for a count. */
  etaSec(nowMs: number): number | undefined {
    const p = this.current();
    if (p === undefined || p.endMs !== undefined) return undefined;
    if (p.durationSec !== undefined) return Math.max(0, p.durationSec - (nowMs - p.startMs) / 1000);
    if (p.total === undefined) return undefined;
    const rate = p.phase === "profiling" ? this.rates().requests : p.completed / Math.max(0.001, (nowMs - p.startMs) / 1000);
    if (rate === undefined || rate <= 0) return undefined;
    return Math.max(0, p.total - p.completed) / rate;
  }

  /** The share of the current phase done: time for a duration, completions for a count. */
  fraction(nowMs: number): number | undefined {
    const p = this.current();
    if (p === undefined) return undefined;
    if (p.endMs !== undefined) return 1;
    if (p.durationSec !== undefined) return Math.min(1, (nowMs - p.startMs) / 1000 / p.durationSec);
    return p.total === undefined || p.total === 0 ? undefined : Math.min(1, p.completed / p.total);
  }

  /**
   * The client verdict as it forms, from the same bounds the final one uses, over the recent
   * requests: a closed loop's mean send lag, a rate or schedule's p99; and services whose
   * heartbeats came late by more than the loop-lag bound.
   */
  verdict(): { state: "waiting" | "ok" | "at risk"; why: string } {
    const lag = this.live?.sendLagMs;
    if (lag === undefined) return { state: "waiting", why: "no request recorded yet" };
    const closed = this.info.closedLoop;
    const bound = closed
      ? closedLoopSendLagBoundMs(this.info.sendLagBoundMs, this.live?.latencyMs?.p50 ?? 0)
      : openLoopSendLagBoundMs(this.info.sendLagBoundMs, this.info.gapMs ?? 0);
    const [what, value] = closed ? ["mean", lag.mean] : ["p99", lag.p99];
    const reasons: string[] = [];
    if (value > bound) reasons.push(`send lag ${what} ${fixed(value)} ms > ${fixed(bound)} ms`);
    const held = this.health.filter((h) => h.name.startsWith("worker:") && h.lateMs > this.info.loopLagBoundMs);
    if (held.length > 0) reasons.push(`${held.length} worker event loop(s) held > ${this.info.loopLagBoundMs} ms`);
    if (reasons.length > 0) return { state: "at risk", why: reasons.join("; ") };
    return { state: "ok", why: `send lag ${what} ${fixed(value)} ms ≤ ${fixed(bound)} ms` };
  }
}

/** Three significant digits, no exponent: 0.0123, 1.23, 12.3, 1234. */
export function fixed(n: number): string {
  if (!Number.isFinite(n)) return "-";
  const a = Math.abs(n);
  return a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : a >= 1 ? n.toFixed(2) : a >= 0.01 ? n.toFixed(3) : n === 0 ? "0" : n.toFixed(4);
}
