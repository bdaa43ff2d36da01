/** Runs a timing plan against simulated workers on a FakeClock and records what happened. */
import type { Credit } from "../../src/protocol/pipeline.ts";
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
  setup?: (sim: { clock: FakeClock; run: TimingRun; sent: Sent[] }) => void;
};

export type SimOutcome = {
  result: TimingResult;
  sent: Sent[];
  events: { name: string; payload: unknown; atNs: number }[];
  /** Most credits outstanding at once, overall. */
  maxInFlight: number;
  /** Most credits outstanding at once that had not had their first byte yet. */
  maxPrefill: number;
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
  const run: TimingRun = createTimingRun(plan, {
    clock,
    wallNs: () => clock.nowNs() + 1.7e18,
    emit: (name, payload) => events.push({ name, payload, atNs: clock.nowNs() }),
    newCorrelationId: () => `uuid-${uuid++}`,
    ...(options.sessions === undefined ? {} : { sessions: options.sessions }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
    send: (worker, credit) => {
      if (options.refuse?.(worker) === true) throw new Error(`no such peer "${worker}"`);
      sent.push({ worker, credit, atNs: clock.nowNs(), inFlightAfter: inFlight + 1, loadsBefore: { ...loads } });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      loads[worker] = (loads[worker] ?? 0) + 1;
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
        loads[worker] = (loads[worker] ?? 0) - 1;
        run.onReturn({ id: credit.id, phase: credit.phase, worker });
      });
    },
  });
  options.setup?.({ clock, run, sent });
  const result = await clock.run(run.start());
  return { result, sent, events, maxInFlight, maxPrefill, clock };
}

/** Credits of one phase, in send order. */
export function ofPhase(sent: Sent[], phase: "warmup" | "profiling"): Sent[] {
  return sent.filter((s) => s.credit.phase === phase);
}
