/**
 * One timing run: warmup (if any) then profiling (§4.4). It decides what each credit carries
 * (worker, conversation, turn, cancellation), keeps the outstanding credits, sets each phase's
 * ceilings and decides when each phase ends. When a phase's new credits go out is its driver's
 * business (drivers/: rate, burst, fixed schedule, users), chosen by phase-load.ts, which makes
 * every per-phase decision once at start. A credit is one turn: later turns follow their
 * session's replies (sessions.ts). Sockets, clocks and events come in through `deps`, so tests run
 * it on a simulated clock with simulated workers.
 */
import type { Credit, CreditReturn, Phase } from "../../protocol/pipeline.ts";
import type { TimingEvents, TimingPhaseResult, TimingPhaseStart, TimingPlan, TimingResult } from "../../protocol/timing-plan.ts";
import type { TimingClock } from "./clock.ts";
import type { IssueOptions } from "./drivers/driver.ts";
import { driverFor } from "./drivers/index.ts";
import type { TraceData } from "./fixed-schedule.ts";
import { LoadGates, rampGate } from "./gate.ts";
import { type PhaseEnd, PhaseTracker } from "./phase.ts";
import { type PhasePlan, phasePlans } from "./phase-load.ts";
import { createRng, deriveSeed, randomSeed } from "../../core/rng.ts";
import { FollowUps, type Session, type SessionData, SINGLE_TURN } from "./sessions.ts";
import { WorkerPool } from "./workers.ts";
import { CreditQueues } from "./queues.ts";

type TimingRunDeps = {
  clock: TimingClock;
  wallNs(): number;
  /** Delivers a credit to a worker; throws when that worker is not connected. */
  send(worker: string, credit: Credit): void;
  emit<E extends keyof TimingEvents>(name: E, payload: TimingEvents[E]): void;
  warn?(message: string): void;
  /** Credit ids continue across runs in one process, so a straggler from an old run matches nothing. */
  firstCreditId?: number;
  progressIntervalNs?: number;
  /** After a cancel, how long credits in flight are waited for. */
  cancelDrainNs?: number;
  newCorrelationId?(): string;
  /** Turn counts and delays per conversation (the mapped dataset file); default: all single-turn. */
  sessions?: SessionData;
  /** Turn timestamps (the mapped dataset file): needed by a fixed-schedule plan. */
  trace?: TraceData;
  /** Told each phase's sent count as it changes (protocol/sent-counts.ts). */
  onSent?(phase: Phase, sent: number): void;
  /** Queued credits per slot a worker holds, in a phase where queueing applies (queues.ts); 0 (the default) turns it off. */
  queueDepth?: number;
  /** Awaited before the profiling phase starts (--server-profiler start); a throw skips profiling. */
  beforeProfiling?(): Promise<void>;
  /** Awaited after the profiling phase ends, however it ended (--server-profiler stop); never throws. */
  afterProfiling?(): Promise<void>;
};

export type TimingRun = {
  /** Runs the phases; resolves when the last one ends (or soon after a cancel). */
  start(): Promise<TimingResult>;
  /** A worker returned a credit. Unknown ids (late, duplicate) are ignored. */
  onReturn(ret: CreditReturn): void;
  /** A credit's first response byte arrived (prefill ceiling); unknown ids are ignored. */
  onFirstByte(id: number): void;
  /** Stops issuing; credits in flight get cancelDrainNs to come back. */
  cancel(): void;
  /** The id the next credit would get. */
  readonly nextCreditId: number;
  /** Credits sent and not yet returned. */
  readonly inFlight: number;
};

/**
 * `prefill`: the credit still holds a prefill slot (no first byte yet). `queued`: the worker holds it
 * and has not started it (it holds no slot yet). `willCancel`: it counts in cancellationsPlanned.
 */
type Outstanding = {
  worker: string;
  tracker: PhaseTracker;
  session: Session | null;
  stop: AbortSignal;
  prefill: boolean;
  queued: boolean;
  willCancel: boolean;
  /** Taken back by the next new session if it comes back unsent. */
  conversation: number;
};

export function createTimingRun(plan: TimingPlan, deps: TimingRunDeps): TimingRun {
  const { clock } = deps;
  const seed = plan.randomSeed ?? randomSeed();
  const cancelRng = createRng(deriveSeed(seed, "cancellation"));
  const conversationRng = createRng(deriveSeed(seed, "conversations"));
  const arrivalRng = createRng(deriveSeed(seed, "arrivals"));
  const pool = new WorkerPool(plan.workers);
  const gate = new LoadGates();
  const queues = new CreditQueues(deps.queueDepth ?? 0);
  /** Wakes a driver waiting for a queued credit to be started or come back (burst.ts). */
  let wakeQueue: (() => void) | undefined;
  let queueChanged: Promise<void> | undefined;
  /** Whether the running phase has a prefill ceiling (its credits ask for a first-byte report). */
  let reportFirstByte = false;
  const outstanding = new Map<number, Outstanding>();
  const cancelled = new AbortController();
  const progressNs = deps.progressIntervalNs ?? 500e6;
  const cancelDrainNs = deps.cancelDrainNs ?? 2e9;
  const newCorrelationId = deps.newCorrelationId ?? (() => crypto.randomUUID());
  const cancelAfterNs = Math.round(plan.cancellationDelaySec * 1e9);
  let nextId = deps.firstCreditId ?? 0;
  let nextConversation = 0;
  // --dataset-sampling-strategy shuffle: a Fisher–Yates order per pass over the conversations.
  let order: number[] = [];
  const shuffled = (): number => {
    if (nextConversation % plan.conversations === 0) {
      order = Array.from({ length: plan.conversations }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = conversationRng.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
    }
    return order[nextConversation++ % plan.conversations] as number;
  };
  const sessionData = deps.sessions ?? SINGLE_TURN;
  /** The sending signal of the phase that is running: later turns of a finished phase are dropped. */
  let phaseStop: AbortSignal = cancelled.signal;
  /** Multi-turn sessions of the running phase with turns still to send. */
  const liveSessions = new Set<Session>();
  /** What queued credits that came back unsent had drawn (conversation, cancellation), oldest first. */
  const undrawn: { conversation: number; willCancel: boolean }[] = [];

  /** Sends one turn: a new session's first, or the next turn of `o.session` (IssueOptions says the rest). */
  const issue = (tracker: PhaseTracker, intendedNs: number, o: IssueOptions = {}): Session | null => {
    const { session, owned = false, maxTurns = Number.POSITIVE_INFINITY, readyNs = intendedNs, queued = false } = o;
    const pick = o.conversation;
    // A new session takes back what an unsent queued credit had drawn before drawing anew, so the
    // sampling (sequential, shuffle passes, the seed's random sequence) is as if it had never gone.
    const again = session == null && pick === undefined ? undrawn.shift() : undefined;
    const willCancel = again?.willCancel ?? (plan.cancellationRate > 0 && cancelRng.next() < plan.cancellationRate / 100);
    const conversation =
      session?.conversation ??
      pick ??
      again?.conversation ??
      (plan.shuffle === true ? shuffled() : plan.sequential === true ? nextConversation++ % plan.conversations : conversationRng.int(plan.conversations));
    const turn = session?.next ?? 0;
    const correlationId = session?.correlationId ?? newCorrelationId();
    const credit: Credit = {
      id: nextId++,
      phase: tracker.phase,
      num: tracker.numbered,
      conversation,
      turn,
      intendedNs,
      ...(readyNs > intendedNs ? { readyNs } : {}),
      cancelAfterNs: willCancel ? cancelAfterNs : null,
      correlationId,
      ...(reportFirstByte ? { reportFirstByte: true } : {}),
    };
    if (queued) {
      credit.queued = true;
      const notAfterNs = tracker.sendDeadlineNs;
      if (notAfterNs !== undefined) credit.notAfterNs = notAfterNs;
    }
    const turns = session?.turns ?? Math.min(sessionData.turnCount(conversation), maxTurns);
    // Single-turn conversations need no session: nothing follows them.
    const active = session ?? (turns > 1 || owned ? { conversation, correlationId, turns, next: 0, worker: undefined } : null);
    if (active !== null) {
      active.next = turn + 1;
      liveSessions.add(active);
    }
    // Booked before sending, so a return can never arrive for a credit we do not know yet.
    // A queued credit takes no slot now: it takes the slot of a credit of its worker that ends.
    if (!queued) gate.concurrency.take();
    if (reportFirstByte) gate.prefill.take();
    tracker.recordSent(willCancel, session == null ? turns : undefined);
    for (;;) {
      // Sticky: a session's later turns go to the worker that holds its history, if still there.
      const sticky = active?.worker;
      const worker = queued ? queues.pick() : sticky !== undefined && pool.acquireId(sticky) ? sticky : pool.acquire();
      if (worker === undefined) {
        if (queued) {
          // Every worker with room was unreachable: the credit was never sent.
          tracker.recordUnsent(willCancel);
          undrawn.push({ conversation, willCancel });
          return null;
        }
        throw new Error("No connected worker is left to send credits to");
      }
      if (queued) {
        pool.acquireId(worker);
        queues.queuedTo(worker);
      } else queues.taken(worker);
      if (active !== null) active.worker = worker;
      outstanding.set(credit.id, { worker, tracker, session: active, stop: phaseStop, prefill: reportFirstByte, queued, willCancel, conversation });
      try {
        deps.send(worker, credit);
        return active;
      } catch (error) {
        outstanding.delete(credit.id);
        pool.remove(worker);
        queues.remove(worker);
        deps.warn?.(`Worker "${worker}" cannot be reached (${error instanceof Error ? error.message : String(error)}); using the others`);
      }
    }
  };

  /** Whether this phase's closed loop may hand workers queued credits (docs/client-efficiency.md "Ninth pass": the scope). */
  let singleTurnCache: boolean | undefined;
  const allSingleTurn = (): boolean => {
    if (singleTurnCache === undefined) {
      singleTurnCache = true;
      if (deps.sessions !== undefined) for (let c = 0; c < plan.conversations && singleTurnCache; c++) singleTurnCache = sessionData.turnCount(c) <= 1;
    }
    return singleTurnCache;
  };
  const queueingApplies = (p: PhasePlan): boolean =>
    queues.depth > 0 &&
    p.load.driver === "burst" &&
    p.load.concurrency !== undefined &&
    p.load.prefillConcurrency === undefined &&
    p.stop.kind !== "sessions" &&
    allSingleTurn();
  const followUps = new FollowUps(
    clock,
    sessionData,
    gate,
    (tracker, intendedNs, session, readyNs) => void issue(tracker, intendedNs, { session, readyNs }),
    (error) => {
      deps.warn?.(`A session's next turn could not be sent (${error instanceof Error ? error.message : String(error)}); stopping the run`);
      cancelled.abort();
    },
  );

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
      if (graceEnd !== undefined && Number.isFinite(graceEnd)) void clock.sleepUntil(graceEnd, { signal: over.signal }).then(() => finish("timeout"));
      const onCancel = (): void => void clock.sleepUntil(clock.nowNs() + cancelDrainNs, { signal: over.signal }).then(() => finish("cancelled"));
      if (cancelled.signal.aborted) onCancel();
      else cancelled.signal.addEventListener("abort", onCancel, { once: true, signal: over.signal });
    });
  };

  const reportProgress = async (tracker: PhaseTracker, over: AbortSignal): Promise<void> => {
    while (!over.aborted) {
      await clock.sleepUntil(clock.nowNs() + progressNs, { signal: over });
      // Queued credits are not requests until a worker starts them: "sent" counts requests, so
      // the dashboard's in flight (sent - completed) never shows more than the concurrency.
      if (!over.aborted) deps.emit("progress", { ...tracker.progress(), sent: Math.max(tracker.completed, tracker.sent - queues.queued) });
    }
  };

  let meanTurnsCache: number | undefined;
  /** The dataset's mean turns per conversation (user-centric virtual history); read once. */
  const meanTurns = (): number => {
    if (meanTurnsCache === undefined) {
      let sum = 0;
      for (let c = 0; c < plan.conversations; c++) sum += sessionData.turnCount(c);
      meanTurnsCache = sum / plan.conversations;
    }
    return meanTurnsCache;
  };

  const notifyQueue = (): void => {
    const wake = wakeQueue;
    wakeQueue = undefined;
    queueChanged = undefined;
    wake?.();
  };

  /** Wakes a driver waiting for the phase's sessions to finish (see untilSessionsEnd). */
  let wakeDriver: (() => void) | undefined;

  /**
   * After the last new session started, later turns still follow replies: the phase keeps
   * issuing until it may not (count, duration; a sessions phase: all its sessions' turns sent) or
   * nothing is in flight and no session is left.
   */
  const untilSessionsEnd = async (tracker: PhaseTracker, stop: AbortSignal): Promise<void> => {
    const continuing = tracker.stop.kind === "sessions";
    // The stop wakes the same waiter a return does: no race with a promise that lives as long as
    // the phase (each race would leave a reaction on it, one per return, until the phase ends).
    const onStop = (): void => wakeDriver?.();
    stop.addEventListener("abort", onStop, { once: true });
    try {
      while (!stop.aborted && tracker.mayIssue(clock.nowNs(), continuing) && (tracker.inFlight > 0 || liveSessions.size > 0)) {
        await new Promise<void>((resolve) => (wakeDriver = resolve));
      }
    } finally {
      stop.removeEventListener("abort", onStop);
      wakeDriver = undefined;
    }
  };

  /** Sets the phase's ceilings, then lets its driver issue its credits; resolves when it may issue no more. */
  const drive = (p: PhasePlan, tracker: PhaseTracker, stop: AbortSignal): Promise<void> => {
    const { load } = p;
    gate.concurrency.setLimit(load.concurrency);
    gate.prefill.setLimit(load.prefillConcurrency);
    reportFirstByte = load.prefillConcurrency !== undefined;
    if (load.prefillRampSec !== undefined && load.prefillConcurrency !== undefined) {
      void rampGate(clock, gate.prefill, load.prefillConcurrency, load.prefillRampSec * 1e9, stop);
    }
    if (load.concurrencyRampSec !== undefined && load.concurrency !== undefined) {
      void rampGate(clock, gate.concurrency, load.concurrency, load.concurrencyRampSec * 1e9, stop);
    }
    followUps.scheduleOf = undefined;
    const target = load.concurrency ?? 0;
    // A driver waiting for queue.changed() wakes when the phase stops issuing.
    stop.addEventListener("abort", notifyQueue, { once: true });
    return driverFor(load.driver).run({
      clock,
      stop,
      gate,
      tracker,
      load,
      arrivalRng,
      maxCatchupNs: plan.maxCatchupSec * 1e9,
      trace: deps.trace,
      meanTurns,
      issue: (intendedNs, options) => issue(tracker, intendedNs, options),
      scheduleLaterTurns: (at) => void (followUps.scheduleOf = at),
      untilSessionsEnd: () => untilSessionsEnd(tracker, stop),
      ...(queueingApplies(p)
        ? {
            queue: {
              // Only once a concurrency ramp reached its target (until then every slot is new), and not
              // for a count's last `target` credits: one queued behind a request of its worker could
              // then start after another worker's slot had freed and found nothing left to send.
              offer: () =>
                gate.concurrency.limit >= target &&
                (tracker.total === undefined || tracker.total - tracker.sent > target) &&
                queues.pick() !== undefined &&
                (issue(tracker, clock.nowNs(), { queued: true }), true),
              get pending() {
                return queues.queued;
              },
              get ramping() {
                return gate.concurrency.limit < target;
              },
              changed: () => (queueChanged ??= new Promise<void>((resolve) => (wakeQueue = resolve))),
            },
          }
        : {}),
    });
  };

  /**
   * The grace period ended: the phase's queued credits still out can no longer start (their
   * not-after time, the send deadline, is past; one started before it would have said so by now),
   * so they are not counted as sent, and the records service does not wait for records that never
   * come. Their unsent returns, when they arrive, match nothing.
   */
  const dropQueued = (tracker: PhaseTracker): void => {
    for (const [id, entry] of outstanding) {
      if (!entry.queued || entry.tracker !== tracker) continue;
      outstanding.delete(id);
      pool.release(entry.worker);
      queues.dropped(entry.worker);
      tracker.recordUnsent(entry.willCancel);
    }
  };

  const runPhase = async (p: PhasePlan): Promise<TimingPhaseResult> => {
    const { phase, stop } = p;
    const onSent = deps.onSent;
    const tracker = new PhaseTracker(phase, stop, clock.nowNs(), deps.wallNs(), onSent === undefined ? undefined : (sent) => onSent(phase, sent));
    const start: TimingPhaseStart = { phase, startNs: tracker.startNs, startWallNs: tracker.startWallNs };
    if (stop.kind === "count") start.total = stop.count;
    else if (stop.kind === "duration") start.durationSec = stop.durationNs / 1e9;
    deps.emit("phase_start", start);
    const over = new AbortController();
    const sending = new AbortController();
    phaseStop = sending.signal;
    const stopSending = (): void => sending.abort();
    cancelled.signal.addEventListener("abort", stopSending, { once: true, signal: over.signal });
    const sendEnd = tracker.sendDeadlineNs;
    // Just after the deadline, so a credit due exactly at it still goes (upstream: elapsed ≤ duration).
    if (sendEnd !== undefined) void clock.sleepUntil(sendEnd + 1, { signal: sending.signal }).then(stopSending);
    void reportProgress(tracker, over.signal);
    try {
      await drive(p, tracker, sending.signal);
      sending.abort();
      followUps.clear();
      liveSessions.clear();
      tracker.finishSending(clock.nowNs());
      const end = await waitForEnd(tracker);
      if (end === "timeout") dropQueued(tracker);
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
      for (const p of phasePlans(plan, deps.trace)) {
        if (cancelled.signal.aborted) break;
        if (p.phase !== "profiling") {
          phases.push(await runPhase(p));
          continue;
        }
        try {
          await deps.beforeProfiling?.();
        } catch (error) {
          const controlError = error instanceof Error ? error.message : String(error);
          return { randomSeed: seed, cancelled: cancelled.signal.aborted, phases, controlError };
        }
        try {
          phases.push(await runPhase(p));
        } finally {
          await deps.afterProfiling?.();
        }
      }
      return { randomSeed: seed, cancelled: cancelled.signal.aborted, phases };
    },
    onReturn(ret) {
      const entry = outstanding.get(ret.id);
      if (entry === undefined) return;
      outstanding.delete(ret.id);
      pool.release(entry.worker);
      if (entry.queued) {
        // A queued credit never started (deadline, cancel, no slot): as if it had not been sent.
        queues.dropped(entry.worker);
        entry.tracker.recordUnsent(entry.willCancel);
        undrawn.push({ conversation: entry.conversation, willCancel: entry.willCancel });
        notifyQueue();
        wakeDriver?.();
        return;
      }
      queues.freed(entry.worker);
      const next = ret.started === undefined ? undefined : outstanding.get(ret.started);
      if (next !== undefined && next.queued && next.worker === entry.worker) {
        // The worker started a queued credit in this slot: the slot moves to it, the gate stays as it is.
        next.queued = false;
        queues.started(next.worker);
      } else gate.concurrency.release();
      if (entry.prefill) gate.prefill.release();
      entry.tracker.recordReturn();
      notifyQueue();
      const session = entry.session;
      if (session !== null && session.next >= session.turns) liveSessions.delete(session);
      if (session?.onReturn !== undefined) session.onReturn();
      else if (session !== null) followUps.returned(session, entry.tracker, entry.stop);
      // Before the send loop wakes: a session in progress gets the freed slot first.
      followUps.drain();
      wakeDriver?.();
    },
    onFirstByte(id) {
      const entry = outstanding.get(id);
      if (entry === undefined || !entry.prefill) return;
      entry.prefill = false;
      gate.prefill.release();
      followUps.drain();
    },
    cancel() {
      cancelled.abort();
    },
    get nextCreditId() {
      return nextId;
    },
    get inFlight() {
      // Queued credits are not requests yet.
      return outstanding.size - queues.queued;
    },
  };
}
