/**
 * Bookkeeping of one phase (upstream credit_models.py): credits sent and returned, when sending
 * stopped, and when the phase counts as complete. A count phase is complete when it sent its
 * count and all came back; a duration phase when sending stopped and nothing is in flight, or
 * when the grace period runs out (force-completed, timeoutTriggered).
 */
import type { Phase } from "../../protocol/pipeline.ts";
import { DEFAULT_GRACE_SEC, type TimingPhaseResult, type TimingPlan, type TimingProgress } from "../../protocol/timing-plan.ts";

export type PhaseStop = { kind: "count"; count: number } | { kind: "duration"; durationNs: number; graceNs: number };

export type PhaseEnd = "drained" | "timeout" | "cancelled";

export class PhaseTracker {
  readonly phase: Phase;
  readonly stop: PhaseStop;
  readonly startNs: number;
  readonly startWallNs: number;
  sent = 0;
  completed = 0;
  cancellationsPlanned = 0;
  #sendEndNs: number | undefined;
  #result: TimingPhaseResult | undefined;
  #drained: (() => void) | undefined;

  constructor(phase: Phase, stop: PhaseStop, startNs: number, startWallNs: number) {
    this.phase = phase;
    this.stop = stop;
    this.startNs = startNs;
    this.startWallNs = startWallNs;
  }

  get inFlight(): number {
    return this.sent - this.completed;
  }

  /** Credits the phase means to send, in count mode. */
  get total(): number | undefined {
    return this.stop.kind === "count" ? this.stop.count : undefined;
  }

  get ended(): boolean {
    return this.#result !== undefined;
  }

  /** Duration mode: issuing stops after this instant. */
  get sendDeadlineNs(): number | undefined {
    return this.stop.kind === "duration" ? this.startNs + this.stop.durationNs : undefined;
  }

  /** Duration mode: the phase is force-completed at this instant. */
  get graceDeadlineNs(): number | undefined {
    return this.stop.kind === "duration" ? this.startNs + this.stop.durationNs + this.stop.graceNs : undefined;
  }

  /** Whether a credit meant for `intendedNs` belongs to this phase. */
  mayIssue(intendedNs: number): boolean {
    if (this.#sendEndNs !== undefined) return false;
    return this.stop.kind === "count" ? this.sent < this.stop.count : intendedNs <= this.startNs + this.stop.durationNs;
  }

  recordSent(willCancel: boolean): void {
    this.sent++;
    if (willCancel) this.cancellationsPlanned++;
  }

  /** A credit of this phase came back; returns after the phase ended are not counted. */
  recordReturn(): void {
    if (this.ended) return;
    this.completed++;
    this.#checkDrained();
  }

  finishSending(nowNs: number): void {
    this.#sendEndNs ??= nowNs;
    this.#checkDrained();
  }

  /** Resolves once sending has finished and every credit sent has come back. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    });
  }

  progress(): TimingProgress {
    const p: TimingProgress = { phase: this.phase, sent: this.sent, completed: this.completed };
    if (this.total !== undefined) p.total = this.total;
    return p;
  }

  /** Ends the phase (once) and freezes its result. */
  finish(endNs: number, end: PhaseEnd, cancelled: boolean): TimingPhaseResult {
    this.#result ??= {
      phase: this.phase,
      sent: this.sent,
      completed: this.completed,
      cancellationsPlanned: this.cancellationsPlanned,
      startNs: this.startNs,
      startWallNs: this.startWallNs,
      sendEndNs: this.#sendEndNs ?? endNs,
      endNs,
      timeoutTriggered: end === "timeout",
      cancelled,
    };
    return this.#result;
  }

  #checkDrained(): void {
    if (this.#sendEndNs !== undefined && this.inFlight === 0 && this.#drained !== undefined) {
      this.#drained();
      this.#drained = undefined;
    }
  }
}

/** How the profiling phase stops: after its count, or after its duration plus grace. */
export function profilingStop(plan: TimingPlan): PhaseStop {
  if (plan.durationSec === undefined) return { kind: "count", count: plan.requestCount ?? 0 };
  return { kind: "duration", durationNs: plan.durationSec * 1e9, graceNs: (plan.graceSec ?? DEFAULT_GRACE_SEC) * 1e9 };
}
