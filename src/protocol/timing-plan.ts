/**
 * The timing service's commands (reference/aiperf-features.md §4): the controller sends a
 * TimingPlan with "run" and gets a TimingResult back; events report phases and progress.
 * Times are host-wide monotonic ns (core/clock.ts monoNs) unless named wall*.
 */
import * as v from "valibot";
import type { Phase } from "./pipeline.ts";

const TIMING_RATE_MODES = ["constant", "poisson", "gamma", "concurrency_burst"] as const;
export type TimingRateMode = (typeof TIMING_RATE_MODES)[number];
/** Upstream --benchmark-grace-period default, used when a duration plan names none. */
export const DEFAULT_GRACE_SEC = 30;
/** Upstream AIPERF_TIMING_MAX_CATCHUP_SECONDS default. */
const DEFAULT_MAX_CATCHUP_SEC = 0.01;

const int = (min: number) => v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`));
const positive = v.pipe(v.number(), v.gtValue(0, "must be greater than 0"));
const atLeastZero = v.pipe(v.number(), v.minValue(0, "must be at least 0"));

/** Empty-body POSTs the timing service sends (endpoints/control-requests.ts ControlCalls). */
const ControlCalls = v.object({ urls: v.array(v.string()), headers: v.record(v.string(), v.string()), timeoutSec: positive });

export const TimingPlan = v.pipe(
  v.object({
    /** Identities of the worker DEALERs expected to connect to the credits ROUTER. */
    workers: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1, "needs at least one worker")),
    rateMode: v.picklist(TIMING_RATE_MODES),
    /** Requests per second (constant, poisson). */
    requestRate: v.optional(positive),
    /** Most credits outstanding at once: required for concurrency_burst, a ceiling otherwise. */
    concurrency: v.optional(int(1)),
    /** Count mode: profiling credits to send. */
    requestCount: v.optional(int(1)),
    /** Duration mode: issue credits for this long, then wait up to graceSec for returns. */
    durationSec: v.optional(positive),
    /** Ignored in count mode (the resolved profile always carries one). null: no limit (JSON has no Infinity). */
    graceSec: v.optional(v.nullable(atLeastZero)),
    warmupRequestCount: v.optional(int(0), 0),
    /** Seeds arrivals, cancellation draws and conversation picks; a fresh one is drawn if absent. */
    randomSeed: v.optional(v.pipe(v.number(), v.integer("must be a whole number"))),
    /** Percent of credits the worker cancels after cancellationDelaySec. */
    cancellationRate: v.optional(v.pipe(atLeastZero, v.maxValue(100, "must be at most 100")), 0),
    cancellationDelaySec: v.optional(atLeastZero, 0),
    /** Conversations in the dataset file; credits pick one uniformly with replacement. */
    conversations: int(1),
    /** Serve conversations in dataset order, wrapping around (traces), instead of at random. */
    sequential: v.optional(v.boolean()),
    /** --dataset-sampling-strategy shuffle: each pass uses every conversation once, in a seeded random order. */
    shuffle: v.optional(v.boolean()),
    /** dataset.bin, for multi-turn conversations' turn counts and delays; absent = every conversation is one turn. */
    datasetPath: v.optional(v.pipe(v.string(), v.minLength(1))),
    /** When the schedule is further behind than this, it restarts from now instead of bursting. */
    maxCatchupSec: v.optional(v.pipe(atLeastZero, v.maxValue(10, "must be at most 10")), DEFAULT_MAX_CATCHUP_SEC),
    /** gamma: the shape k (--arrival-smoothness); gaps are Gamma(k, 1/(k·rate)). Default 1 (= poisson). */
    smoothness: v.optional(positive),
    /**
     * Queued credits per slot a closed loop's workers may hold beyond their slots, 0 to 1 (docs/client-efficiency.md
     * "Ninth pass"): each starts in its worker as one of that worker's requests ends, with no round trip to timing.
     */
    queuedCreditsPerSlot: v.optional(v.pipe(atLeastZero, v.maxValue(1, "must be at most 1")), 0),
    /** A file (protocol/sent-counts.ts) to keep each phase's sent count in, for the controller should the service die. */
    sentCountsPath: v.optional(v.pipe(v.string(), v.minLength(1))),
    /** Most credits that have not had their first response byte yet (streaming); released at first token. */
    prefillConcurrency: v.optional(int(1)),
    /** The concurrency ceiling climbs from 1 to `concurrency` over this many seconds at each phase start. */
    concurrencyRampSec: v.optional(positive),
    /** The prefill ceiling climbs from 1 to `prefillConcurrency` over this many seconds at each phase start. */
    prefillRampSec: v.optional(positive),
    /** The rate climbs from rate·RAMP_STEP_SEC/duration to the rate over this many seconds. */
    rateRampSec: v.optional(positive),
    /** Instead of requestRate (profiling only): the rate at times after the phase start, linear between points. */
    rateSeries: v.optional(v.pipe(v.array(v.object({ timeSec: atLeastZero, rate: positive })), v.minLength(1, "needs at least one point"))),
    /** Replay the dataset's turn timestamps (profiling phase); the count is the schedule's turns. */
    fixedSchedule: v.optional(
      v.object({
        /** Schedule zero is the first timestamp kept. */
        autoOffset: v.optional(v.boolean(), false),
        /** Schedule zero (ms on the trace clock); earlier conversations are left out. */
        startOffsetMs: v.optional(atLeastZero),
        /** Conversations starting after this (ms on the trace clock) are left out. */
        endOffsetMs: v.optional(atLeastZero),
      }),
    ),
    /** User-centric rate (§4.8): `users` sessions, each sending a turn every users/rate seconds. */
    userCentric: v.optional(v.object({ rate: positive, users: int(1) })),
    /** --server-profiler: start before the profiling phase, stop after it (a failed start fails the run). */
    serverProfiler: v.optional(v.object({ start: ControlCalls, stop: ControlCalls })),
    /** Warmup overrides; unset fields inherit the profiling value. A duration replaces warmupRequestCount. */
    warmup: v.optional(
      v.object({
        durationSec: v.optional(positive),
        /** Default (and null): no limit (wait for every warmup credit). */
        graceSec: v.optional(v.nullable(atLeastZero)),
        /** Stop after starting this many sessions and sending all their turns (instead of a count or duration). */
        sessions: v.optional(int(1)),
        concurrency: v.optional(int(1)),
        /** Warmup's prefill ceiling (default: prefillConcurrency). */
        prefillConcurrency: v.optional(int(1)),
        requestRate: v.optional(positive),
        rateMode: v.optional(v.picklist(TIMING_RATE_MODES)),
        /** Warmup's own ramps (--warmup-*-ramp-duration); unset = the profiling ramp. */
        concurrencyRampSec: v.optional(positive),
        prefillRampSec: v.optional(positive),
        rateRampSec: v.optional(positive),
      }),
    ),
  }),
  v.check(
    (p) => p.fixedSchedule !== undefined || (p.requestCount === undefined) !== (p.durationSec === undefined),
    "give exactly one of requestCount and durationSec",
  ),
  v.check(
    (p) => p.fixedSchedule === undefined || p.requestCount === undefined || p.durationSec === undefined,
    "give at most one of requestCount and durationSec",
  ),
  v.check(
    (p) => p.rateMode === "concurrency_burst" || p.requestRate !== undefined || p.rateSeries !== undefined,
    "constant, poisson and gamma need requestRate (or rateSeries)",
  ),
  v.check(
    (p) => p.rateSeries === undefined || (p.requestRate === undefined && p.rateMode !== "concurrency_burst"),
    "rateSeries replaces requestRate and needs constant, poisson or gamma",
  ),
  v.check(
    (p) => p.rateSeries === undefined || p.rateSeries.every((x, i, all) => i === 0 || x.timeSec > (all[i - 1] as { timeSec: number }).timeSec),
    "rateSeries times must increase",
  ),
  v.check((p) => p.rateMode !== "concurrency_burst" || p.requestRate === undefined, "concurrency_burst cannot have requestRate"),
  v.check(
    (p) => p.rateMode !== "concurrency_burst" || p.concurrency !== undefined || p.fixedSchedule !== undefined || p.userCentric !== undefined,
    "concurrency_burst needs concurrency",
  ),
  v.check((p) => p.fixedSchedule === undefined || p.userCentric === undefined, "fixedSchedule and userCentric cannot be combined"),
  v.check(
    (p) => p.prefillConcurrency === undefined || p.concurrency === undefined || p.prefillConcurrency <= p.concurrency,
    "prefillConcurrency cannot exceed concurrency",
  ),
  v.check((p) => p.concurrencyRampSec === undefined || p.concurrency !== undefined, "concurrencyRampSec needs concurrency"),
  v.check((p) => p.rateRampSec === undefined || p.requestRate !== undefined, "rateRampSec needs requestRate"),
  v.check((p) => p.prefillRampSec === undefined || p.prefillConcurrency !== undefined, "prefillRampSec needs prefillConcurrency"),
  v.check((p) => p.warmup?.rateMode !== "concurrency_burst" || p.warmup.requestRate === undefined, "warmup concurrency_burst cannot have requestRate"),
  v.check((p) => p.warmup?.sessions === undefined || p.warmup.durationSec === undefined, "warmup sessions and durationSec cannot be combined"),
  v.check((p) => new Set(p.workers).size === p.workers.length, "worker identities must be unique"),
);
export type TimingPlanInput = v.InferInput<typeof TimingPlan>;
export type TimingPlan = v.InferOutput<typeof TimingPlan>;

/** Validates a "run" payload; the error names the first offending field. */
export function parseTimingPlan(payload: unknown): TimingPlan {
  const parsed = v.safeParse(TimingPlan, payload);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = issue?.path?.map((p) => String(p.key)).join(".");
  throw new TypeError(`Invalid timing plan${path ? ` (${path})` : ""}: ${issue?.message ?? "unknown problem"}`);
}

/**
 * "bind" reply: where workers connect their credit DEALERs. `local`: the same socket as
 * inproc://, for a worker running in timing's own process (controller/timing-host.ts).
 */
export type TimingBindResult = { endpoint: string; local?: string };

/** One phase as it ended. */
export type TimingPhaseResult = {
  phase: Phase;
  sent: number;
  /** Credits returned before the phase ended (late returns are not counted). */
  completed: number;
  /** Credits sent with cancelAfterNs set. */
  cancellationsPlanned: number;
  startNs: number;
  startWallNs: number;
  /** When issuing stopped. */
  sendEndNs: number;
  endNs: number;
  /** Duration mode: the grace period ran out with credits still in flight. */
  timeoutTriggered: boolean;
  /** The run was cancelled while this phase ran. */
  cancelled: boolean;
};

/** "run" reply. */
export type TimingResult = {
  /** The seed actually used (drawn when the plan had none), so the run can be replayed. */
  randomSeed: number;
  cancelled: boolean;
  /** Phases in the order they ran: warmup (if any), then profiling unless cancelled before it. */
  phases: TimingPhaseResult[];
  /** CPU the timing service used during the run (µs): its process's, or its own thread's where it runs as a thread; set by the role. */
  cpu?: { userUs: number; systemUs: number };
  /** The server profiler could not be started, so profiling did not run (the run fails with this). */
  controlError?: string;
};

/** Event "phase_start". */
export type TimingPhaseStart = { phase: Phase; startNs: number; startWallNs: number; total?: number; durationSec?: number };
/** Event "progress", about every 500 ms while a phase runs; `sent` counts requests started (not credits a worker holds queued). */
export type TimingProgress = { phase: Phase; sent: number; completed: number; total?: number };
/** The timing service's events by name; "phase_complete" carries the TimingPhaseResult. */
export type TimingEvents = { phase_start: TimingPhaseStart; progress: TimingProgress; phase_complete: TimingPhaseResult };
