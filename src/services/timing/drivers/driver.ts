/**
 * What a timing driver is: the loop that decides when a phase's new credits go out (a rate, a
 * closed loop, a replayed trace, simulated users). The run (timing-run.ts) gives it the phase's
 * plan, its ceilings and one way to send; everything a driver may touch is in DriverContext.
 * Later turns of multi-turn sessions follow their replies without the driver (sessions.ts).
 */
import type { Rng } from "../../../core/rng.ts";
import type { TimingClock } from "../clock.ts";
import type { TraceData } from "../fixed-schedule.ts";
import type { Gate } from "../gate.ts";
import type { PhaseTracker } from "../phase.ts";
import type { PhaseLoad } from "../phase-load.ts";
import type { Session } from "../sessions.ts";

/** How one credit is sent (all optional: a new session's first turn on a conversation the run picks). */
export type IssueOptions = {
  /** The next turn of this session (absent or null: a new session's first turn). */
  session?: Session | null | undefined;
  /** The conversation a new session plays (fixed schedule); absent: the run's sampling order. */
  conversation?: number | undefined;
  /** The driver paces the session itself (users): even a one-turn conversation gets a Session. */
  owned?: boolean | undefined;
  /** Cuts a new session short (user-centric virtual history). */
  maxTurns?: number | undefined;
  /** When a slot freed for a credit that waited for one past its intended time (Credit.readyNs). */
  readyNs?: number | undefined;
  /** A queued credit (queues.ts): the worker starts it in the slot of one of its own that ends. */
  queued?: boolean | undefined;
};

/** Queued credits, in a phase where they apply (timing-run.ts queueingApplies). */
export type QueueContext = {
  /** Sends one queued credit to a worker with room; false when none has (or a ramp has not reached its target). */
  offer(): boolean;
  /** Queued credits not yet started or returned. */
  readonly pending: number;
  /** A concurrency ramp has not reached its target yet (its steps open the gate without a return). */
  readonly ramping: boolean;
  /** Resolves at the next return of any credit, or when the phase stops issuing. */
  changed(): Promise<void>;
};

export type DriverContext = {
  clock: TimingClock;
  /** Aborted when the phase must stop issuing (its duration ran out, or the run was cancelled). */
  stop: AbortSignal;
  /** The phase's ceilings (concurrency and prefill together). */
  gate: Gate;
  tracker: PhaseTracker;
  load: PhaseLoad;
  /** Draws of the arrival process (seeded per run). */
  arrivalRng: Rng;
  /** A rate schedule further behind than this restarts from now (scheduler.ts). */
  maxCatchupNs: number;
  /** The dataset's turn timestamps (fixed schedule). */
  trace: TraceData | undefined;
  /** The dataset's mean turns per conversation. */
  meanTurns(): number;
  /** Sends one credit meant for `intendedNs`; returns its session (null: a single turn nothing follows). */
  issue(intendedNs: number, options?: IssueOptions): Session | null;
  /** Later turns go at these times (ns) instead of after their reply plus delay; null: the usual way. */
  scheduleLaterTurns(at: (conversation: number, turn: number) => number | null): void;
  /**
   * After the last first turn: waits while later turns still follow replies and the phase may
   * still issue (count, duration; a sessions phase: all its sessions' turns sent).
   */
  untilSessionsEnd(): Promise<void>;
  /** Present only where queued credits apply: a closed loop on single-turn conversations without a prefill ceiling. */
  queue?: QueueContext;
};

export type TimingDriver = {
  /** Issues the phase's credits; resolves when it may issue no more. */
  run(ctx: DriverContext): Promise<void>;
};
