/** Runs a timing plan against simulated workers on a FakeClock and records what happened. */
import type { Credit, CreditReturn } from "../../src/protocol/pipeline.ts";
import { parseTimingPlan, type TimingPlanInput, type TimingResult } from "../../src/protocol/timing-plan.ts";
import type { TraceData } from "../../src/services/timing/fixed-schedule.ts";
import type { SessionData } from "../../src/services/timing/sessions.ts";
import { createTimingRun, type TimingRun } from "../../src/services/timing/timing-run.ts";
import { FakeClock } from "./fake-clock.ts";

export type Sent = {
  worker: string;
  credit: Credit;
  atNs: number;
  /** Credits outstanding overall, counting this one. */
  inFlightAfter: number;
  /** Outstanding credits per worker just before this send. */
  loadsBefore: Record<string, number>;
  /** When the simulated worker started its request (a queued credit starts later than it was sent); undefined: never. */
  startedNs?: number;
  /** A queued credit the worker returned unsent. */
  unsent?: boolean;
  /** Requests the simulated workers had running just after this one started. */
  runningAfter?: number;
};

export type SimOptions = {
  /** How long a worker holds a credit; null = it never comes back. Default 1 ms. */
  serviceNs?: (credit: Credit, worker: string) => number | null;
  clock?: FakeClock;
  /** A send to this worker throws, as a ROUTER does for a peer that is gone. */
  refuse?: (worker: string) => boolean;
  /** Turn counts and delays of the conversations (multi-turn); default all single-turn. */
  sessions?: SessionData;
  /** Turn timestamps (fixed schedule). */
  trace?: TraceData;
  /** When a credit asking for it (reportFirstByte) gets its first response byte, after its send; null = never. Default 1 µs before its return. */
  firstByteNs?: (credit: Credit) => number | null;
  /** Runs once the run exists, before the simulation starts (to schedule stalls, cancels...). */
  setup?: (sim: { clock: FakeClock; run: TimingRun; sent: Sent[]; workers: SimWorkers }) => void;
  /** TimingRunDeps.onSent: told each phase's sent count as it changes. */
  onSent?: (phase: "warmup" | "profiling", sent: number) => void;
  /** TimingRunDeps.queueDepth (default: the run's own). */
  queueDepth?: number;
  /** How long a credit takes to reach its worker, and a return to reach timing (the bus); default 0. */
  transitNs?: number;
};

/** What the controller's cancel_requests does to the simulated workers: their queued credits of those phases go back unsent. */
export type SimWorkers = { cancel(phases: ("warmup" | "profiling")[], only?: string[]): void };

export type SimOutcome = {
  result: TimingResult;
  sent: Sent[];
  events: { name: string; payload: unknown; atNs: number }[];
  /** Most requests the simulated workers had started and not finished at once (queued credits count once started). */
  maxInFlight: number;
  /** Most credits outstanding at once that had not had their first byte yet. */
  maxPrefill: number;
  /** Most queued credits one worker held at once, and that worker's running requests then. */
  maxHeld: { held: number; running: number };
  clock: FakeClock;
};

export const BASE_PLAN: { workers: string[]; conversations: number; randomSeed: number } = { workers: ["w0", "w1"], conversations: 100, randomSeed: 42 };

export async function simulate(input: TimingPlanInput, options: SimOptions = {}): Promise<SimOutcome> {
  const plan = parseTimingPlan(input);
  const clock = options.clock ?? new FakeClock();
  const serviceNs = options.serviceNs ?? (() => 1_000_000);
  const sent: Sent[] = [];
  const events: SimOutcome["events"] = [];
  let inFlight = 0;
  const loads: Record<string, number> = Object.fromEntries(plan.workers.map((w) => [w, 0]));
  let maxInFlight = 0;
  let prefill = 0;
  let maxPrefill = 0;
  let uuid = 0;
  let maxHeld = { held: 0, running: 0 };
  /** Each simulated worker's requests started and not finished, and its queued credits (the worker engine's protocol). */
  const running: Record<string, number> = {};
  const held: Record<string, Sent[]> = {};
  const transitNs = options.transitNs ?? 0;
  const toTiming = (ret: CreditReturn): void => {
    if (transitNs === 0) run.onReturn(ret);
    else clock.at(clock.nowNs() + transitNs, () => run.onReturn(ret));
  };
  const returnUnsent = (s: Sent): void => {
    s.unsent = true;
    loads[s.worker] = (loads[s.worker] ?? 0) - 1;
    toTiming({ id: s.credit.id, phase: s.credit.phase, worker: s.worker, unsent: true });
  };
  const workers: SimWorkers = {
    cancel(phases, only) {
      for (const [worker, queue] of Object.entries(held)) {
        if (only !== undefined && !only.includes(worker)) continue;
        held[worker] = queue.filter((s) => !phases.includes(s.credit.phase));
        for (const s of queue) if (phases.includes(s.credit.phase)) returnUnsent(s);
      }
    },
  };
  /** A request ends: the worker starts its oldest queued credit that may still start, in the same turn. */
  const startHeld = (worker: string): number | undefined => {
    const queue = held[worker] ?? [];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const notAfter = next.credit.notAfterNs;
      if (notAfter !== undefined && clock.nowNs() > notAfter) {
        returnUnsent(next);
        continue;
      }
      next.credit.intendedNs = clock.nowNs();
      startRequest(next);
      return next.credit.id;
    }
    return undefined;
  };
  const startRequest = (s: Sent): void => {
    const { worker, credit } = s;
    s.startedNs = clock.nowNs();
    running[worker] = (running[worker] ?? 0) + 1;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    s.runningAfter = inFlight;
    const holdNs = serviceNs(credit, worker);
    let awaitingFirstByte = credit.reportFirstByte === true;
    if (awaitingFirstByte) {
      maxPrefill = Math.max(maxPrefill, ++prefill);
      const firstNs = options.firstByteNs !== undefined ? options.firstByteNs(credit) : holdNs === null ? null : Math.max(0, holdNs - 1000);
      if (firstNs !== null) {
        clock.at(clock.nowNs() + firstNs, () => {
          if (!awaitingFirstByte) return;
          awaitingFirstByte = false;
          prefill--;
          run.onFirstByte(credit.id);
        });
      }
    }
    if (holdNs === null) return;
    clock.at(clock.nowNs() + holdNs, () => {
      if (awaitingFirstByte) {
        awaitingFirstByte = false;
        prefill--;
      }
      inFlight--;
      running[worker] = (running[worker] ?? 0) - 1;
      loads[worker] = (loads[worker] ?? 0) - 1;
      const started = startHeld(worker);
      toTiming({ id: credit.id, phase: credit.phase, worker, ...(started === undefined ? {} : { started }) });
    });
  };
  const run: TimingRun = createTimingRun(plan, {
    clock,
    wallNs: () => clock.nowNs() + 1.7e18,
    emit: (name, payload) => events.push({ name, payload, atNs: clock.nowNs() }),
    newCorrelationId: () => `uuid-${uuid++}`,
    ...(options.sessions === undefined ? {} : { sessions: options.sessions }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
    ...(options.queueDepth === undefined ? {} : { queueDepth: options.queueDepth }),
    ...(options.onSent === undefined ? {} : { onSent: options.onSent }),
    send: (worker, credit) => {
      if (options.refuse?.(worker) === true) throw new Error(`no such peer "${worker}"`);
      const s: Sent = { worker, credit, atNs: clock.nowNs(), inFlightAfter: inFlight + 1, loadsBefore: { ...loads } };
      sent.push(s);
      loads[worker] = (loads[worker] ?? 0) + 1;
      const arrive = (): void => {
        if (credit.queued !== true) return startRequest(s);
        // As the worker engine: with nothing of its own in flight, nothing would start it.
        if ((running[worker] ?? 0) === 0) returnUnsent(s);
        else {
          const queue = (held[worker] ??= []);
          queue.push(s);
          if (queue.length > maxHeld.held) maxHeld = { held: queue.length, running: running[worker] ?? 0 };
        }
      };
      // Never within timing's own send: a return then would re-enter it.
      if (transitNs > 0 || credit.queued === true) clock.at(clock.nowNs() + transitNs, arrive);
      else arrive();
    },
  });
  options.setup?.({ clock, run, sent, workers });
  const result = await clock.run(run.start());
  return { result, sent, events, maxInFlight, maxPrefill, maxHeld, clock };
}

/** Credits of one phase, in send order. */
export function ofPhase(sent: Sent[], phase: "warmup" | "profiling"): Sent[] {
  return sent.filter((s) => s.credit.phase === phase);
}

/** The requests the simulated workers started, in the order they started (queued credits start after they were sent). */
export function started(sent: Sent[]): (Sent & { startedNs: number; runningAfter: number })[] {
  return sent.filter((s): s is Sent & { startedNs: number; runningAfter: number } => s.startedNs !== undefined).sort((a, b) => a.startedNs - b.startedNs);
}
