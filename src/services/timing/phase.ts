/**
 * Bookkeeping of one phase (upstream credit_models.py): credits sent and returned, when sending
 * stopped, and when the phase counts as complete. A count phase is complete when it sent its
 * count and all came back; a duration phase when sending stopped and nothing is in flight, or
 * when the grace period runs out (force-completed, timeoutTriggered). A sessions phase (warmup's
 * --num-warmup-sessions, upstream stop_conditions.py) starts that many sessions and sends every
 * turn of them, then waits for them to come back.
 */
import type { Phase } from "../../protocol/pipeline.ts";
import { DEFAULT_GRACE_SEC, type TimingPhaseResult, type TimingPlan, type TimingProgress } from "../../protocol/timing-plan.ts";

export type PhaseStop = { kind: "count"; count: number } | { kind: "duration"; durationNs: number; graceNs: number } | { kind: "sessions"; sessions: number };

export type PhaseEnd = "drained" | "timeout" | "cancelled";

export class PhaseTracker {
  readonly phase: Phase;
  readonly stop: PhaseStop;
  readonly startNs: number;
  readonly startWallNs: number;
  sent = 0;
  /** Credit numbers handed out (Credit.num): unlike `sent`, never goes back, so a number is never reused. */
  numbered = 0;
  completed = 0;
  cancellationsPlanned = 0;
  /** Sessions started (first turns sent) and the turns they will send in all. */
  sessionsStarted = 0;
  sessionTurns = 0;
  #sendEndNs: number | undefined;
  #result: TimingPhaseResult | undefined;
  #drained: (() => void) | undefined;

  /** Told the sent count each time it changes (protocol/sent-counts.ts). */
  readonly #onSent: ((sent: number) => void) | undefined;

  constructor(phase: Phase, stop: PhaseStop, startNs: number, startWallNs: number, onSent?: (sent: number) => void) {
    this.phase = phase;
    this.stop = stop;
    this.startNs = startNs;
    this.startWallNs = startWallNs;
    this.#onSent = onSent;
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

  /**
   * Whether a credit meant for `intendedNs` belongs to this phase. `continuing`: it is a later
   * turn of a session already started (a sessions phase sends those after its last new session).
   */
  mayIssue(intendedNs: number, continuing = false): boolean {
    if (this.#sendEndNs !== undefined) return false;
    switch (this.stop.kind) {
      case "count":
        return this.sent < this.stop.count;
      case "duration":
        return intendedNs <= this.startNs + this.stop.durationNs;
      case "sessions":
        return continuing ? this.sent < this.sessionTurns : this.sessionsStarted < this.stop.sessions;
    }
  }

  /** `newSessionTurns`: the credit starts a session of that many turns. */
  recordSent(willCancel: boolean, newSessionTurns?: number): void {
    this.sent++;
    this.#onSent?.(this.sent);
    this.numbered++;
    if (willCancel) this.cancellationsPlanned++;
    if (newSessionTurns !== undefined) {
      this.sessionsStarted++;
      this.sessionTurns += newSessionTurns;
    }
  }

  /** A queued credit came back never started (queues.ts): it no longer counts as sent. */
  recordUnsent(willCancel: boolean): void {
    if (this.ended) return;
    this.sent--;
    this.#onSent?.(this.sent);
    if (willCancel) this.cancellationsPlanned--;
    this.#checkDrained();
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

/** How the profiling phase stops: after its count, or after its duration plus grace (null: no limit). */
export function profilingStop(plan: TimingPlan): PhaseStop {
  if (plan.durationSec === undefined) return { kind: "count", count: plan.requestCount ?? 0 };
  const graceSec = plan.graceSec === null ? Number.POSITIVE_INFINITY : (plan.graceSec ?? DEFAULT_GRACE_SEC);
  return { kind: "duration", durationNs: plan.durationSec * 1e9, graceNs: graceSec * 1e9 };
}
