/**
 * One timing run: warmup (if any) then profiling, with the same strategy (§4.4). It decides what
 * each credit carries (worker, conversation, turn, cancellation), keeps the outstanding credits,
 * and decides when each phase ends. A credit is one turn: the strategy paces sessions' first
 * turns, later turns follow their session's replies (sessions.ts). Sockets, clocks and events
 * come in through `deps`, so tests run it on a simulated clock with simulated workers.
 */
import type { Credit, CreditReturn, Phase } from "../../protocol/pipeline.ts";
import {
  type TimingEventName,
  type TimingPhaseResult,
  type TimingPhaseStart,
  type TimingPlan,
  type TimingResult,
} from "../../protocol/timing-plan.ts";
import { makeArrivals } from "./arrivals.ts";
import type { TimingClock } from "./clock.ts";
import { ConcurrencyGate } from "./gate.ts";
import { type PhaseEnd, type PhaseStop, PhaseTracker, profilingStop } from "./phase.ts";
import { createRng, deriveSeed, randomSeed } from "../../core/rng.ts";
import { sendLoop } from "./scheduler.ts";
import { FollowUps, type Session, type SessionData, SINGLE_TURN } from "./sessions.ts";
import { WorkerPool } from "./workers.ts";

export type TimingRunDeps = {
  clock: TimingClock;
  wallNs(): number;
  /** Delivers a credit to a worker; throws when that worker is not connected. */
  send(worker: string, credit: Credit): void;
  emit(name: TimingEventName, payload: unknown): void;
  warn?(message: string): void;
  /** Credit ids continue across runs in one process, so a straggler from an old run matches nothing. */
  firstCreditId?: number;
  progressIntervalNs?: number;
  /** After a cancel, how long credits in flight are waited for. */
  cancelDrainNs?: number;
  newCorrelationId?(): string;
  /** Turn counts and delays per conversation (the mapped dataset file); default: all single-turn. */
  sessions?: SessionData;
};

export type TimingRun = {
  /** Runs the phases; resolves when the last one ends (or soon after a cancel). */
  start(): Promise<TimingResult>;
  /** A worker returned a credit. Unknown ids (late, duplicate) are ignored. */
  onReturn(ret: CreditReturn): void;
  /** Stops issuing; credits in flight get cancelDrainNs to come back. */
  cancel(): void;
  /** The id the next credit would get. */
  readonly nextCreditId: number;
};

type Outstanding = { worker: string; tracker: PhaseTracker; session: Session | null; stop: AbortSignal };

export function createTimingRun(plan: TimingPlan, deps: TimingRunDeps): TimingRun {
  const { clock } = deps;
  const seed = plan.randomSeed ?? randomSeed();
  const cancelRng = createRng(deriveSeed(seed, "cancellation"));
  const conversationRng = createRng(deriveSeed(seed, "conversations"));
  const arrivals = makeArrivals(plan, createRng(deriveSeed(seed, "arrivals")));
  const pool = new WorkerPool(plan.workers);
  const gate = new ConcurrencyGate(plan.concurrency);
  const outstanding = new Map<number, Outstanding>();
  const cancelled = new AbortController();
  const progressNs = deps.progressIntervalNs ?? 500e6;
  const cancelDrainNs = deps.cancelDrainNs ?? 2e9;
  const newCorrelationId = deps.newCorrelationId ?? (() => crypto.randomUUID());
  const cancelAfterNs = Math.round(plan.cancellationDelaySec * 1e9);
  let nextId = deps.firstCreditId ?? 0;
  let nextConversation = 0;
  const sessionData = deps.sessions ?? SINGLE_TURN;
  /** The sending signal of the phase that is running: later turns of a finished phase are dropped. */
  let phaseStop: AbortSignal = cancelled.signal;

  /** Sends one turn: a new session's first (session undefined) or the next turn of `session`. */
  const issue = (tracker: PhaseTracker, intendedNs: number, session?: Session): void => {
    const willCancel = plan.cancellationRate > 0 && cancelRng.next() < plan.cancellationRate / 100;
    const conversation = session?.conversation ?? (plan.sequential === true ? nextConversation++ % plan.conversations : conversationRng.int(plan.conversations));
    const turn = session?.next ?? 0;
    const correlationId = session?.correlationId ?? newCorrelationId();
    const credit: Credit = {
      id: nextId++,
      phase: tracker.phase,
      num: tracker.sent,
      conversation,
      turn,
      intendedNs,
      cancelAfterNs: willCancel ? cancelAfterNs : null,
      correlationId,
    };
    const turns = session?.turns ?? sessionData.turnCount(conversation);
    // Single-turn conversations need no session: nothing follows them.
    const active = session ?? (turns > 1 ? { conversation, correlationId, turns, next: 0, worker: undefined } : null);
    if (active !== null) active.next = turn + 1;
    // Booked before sending, so a return can never arrive for a credit we do not know yet.
    gate.take();
    tracker.recordSent(willCancel);
    for (;;) {
      // Sticky: a session's later turns go to the worker that holds its history, if still there.
      const sticky = active?.worker;
      const worker = sticky !== undefined && pool.acquireId(sticky) ? sticky : pool.acquire();
      if (worker === undefined) throw new Error("No connected worker is left to send credits to");
      if (active !== null) active.worker = worker;
      outstanding.set(credit.id, { worker, tracker, session: active, stop: phaseStop });
      try {
        deps.send(worker, credit);
        return;
      } catch (error) {
        outstanding.delete(credit.id);
        pool.remove(worker);
        deps.warn?.(`Worker "${worker}" cannot be reached (${error instanceof Error ? error.message : String(error)}); using the others`);
      }
    }
  };
  const followUps = new FollowUps(clock, sessionData, gate, issue, (error) => {
    deps.warn?.(`A session's next turn could not be sent (${error instanceof Error ? error.message : String(error)}); stopping the run`);
    cancelled.abort();
  });

  const waitForEnd = (tracker: PhaseTracker): Promise<PhaseEnd> => {
    const over = new AbortController();
    return new Promise<PhaseEnd>((resolve) => {
      const finish = (end: PhaseEnd): void => {
        if (over.signal.aborted) return;
        over.abort();
        resolve(end);
      };
      void tracker.drained().then(() => finish("drained"));
      const graceEnd = tracker.graceDeadlineNs;
      if (graceEnd !== undefined) void clock.sleepUntil(graceEnd, { signal: over.signal, coarse: true }).then(() => finish("timeout"));
      const onCancel = (): void =>
        void clock.sleepUntil(clock.nowNs() + cancelDrainNs, { signal: over.signal, coarse: true }).then(() => finish("cancelled"));
      if (cancelled.signal.aborted) onCancel();
      else cancelled.signal.addEventListener("abort", onCancel, { once: true, signal: over.signal });
    });
  };

  const reportProgress = async (tracker: PhaseTracker, over: AbortSignal): Promise<void> => {
    while (!over.aborted) {
      await clock.sleepUntil(clock.nowNs() + progressNs, { signal: over, coarse: true });
      if (!over.aborted) deps.emit("progress", tracker.progress());
    }
  };

  const runPhase = async (phase: Phase, stop: PhaseStop): Promise<TimingPhaseResult> => {
    const tracker = new PhaseTracker(phase, stop, clock.nowNs(), deps.wallNs());
    const start: TimingPhaseStart = { phase, startNs: tracker.startNs, startWallNs: tracker.startWallNs };
    if (stop.kind === "count") start.total = stop.count;
    else start.durationSec = stop.durationNs / 1e9;
    deps.emit("phase_start", start);
    const over = new AbortController();
    const sending = new AbortController();
    phaseStop = sending.signal;
    const stopSending = (): void => sending.abort();
    cancelled.signal.addEventListener("abort", stopSending, { once: true, signal: over.signal });
    const sendEnd = tracker.sendDeadlineNs;
    // Just after the deadline, so a credit due exactly at it still goes (upstream: elapsed ≤ duration).
    if (sendEnd !== undefined) void clock.sleepUntil(sendEnd + 1, { signal: sending.signal, coarse: true }).then(stopSending);
    void reportProgress(tracker, over.signal);
    try {
      await sendLoop({
        clock,
        stop: sending.signal,
        arrivals,
        gate,
        maxCatchupNs: plan.maxCatchupSec * 1e9,
        mayIssue: (intendedNs) => tracker.mayIssue(intendedNs),
        issue: (intendedNs) => issue(tracker, intendedNs),
      });
      sending.abort();
      followUps.clear();
      tracker.finishSending(clock.nowNs());
      const end = await waitForEnd(tracker);
      const result = tracker.finish(clock.nowNs(), end, cancelled.signal.aborted);
      deps.emit("phase_complete", result);
      return result;
    } finally {
      sending.abort();
      over.abort();
    }
  };

  return {
    async start() {
      const phases: TimingPhaseResult[] = [];
      if (plan.warmupRequestCount > 0 && !cancelled.signal.aborted) {
        phases.push(await runPhase("warmup", { kind: "count", count: plan.warmupRequestCount }));
      }
      if (!cancelled.signal.aborted) phases.push(await runPhase("profiling", profilingStop(plan)));
      return { randomSeed: seed, cancelled: cancelled.signal.aborted, phases };
    },
    onReturn(ret) {
      const entry = outstanding.get(ret.id);
      if (entry === undefined) return;
      outstanding.delete(ret.id);
      pool.release(entry.worker);
      gate.release();
      entry.tracker.recordReturn();
      if (entry.session !== null) followUps.returned(entry.session, entry.tracker, entry.stop);
      // Before the send loop wakes: a session in progress gets the freed slot first.
      followUps.drain();
    },
    cancel() {
      cancelled.abort();
    },
    get nextCreditId() {
      return nextId;
    },
  };
}
