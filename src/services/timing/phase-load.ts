/**
 * Every per-phase decision of a timing run, made once at its start: which phases run, how each
 * stops, which driver issues its credits and with what rate, pattern and ceilings. Drivers and the
 * run only read the result. Profiling takes the plan's values (a fixed schedule's count is its
 * turns, capped by an explicit count). Warmup (§4.4, newer upstream) takes its overrides and
 * inherits every unset field from profiling; a fixed schedule or a rate series is never replayed
 * in warmup (its warmup is a closed loop at the warmup concurrency, default 1, or the warmup rate
 * when one is given). The prefill ceiling is per phase too (--warmup-prefill-concurrency).
 */
import type { Phase } from "../../protocol/pipeline.ts";
import type { TimingPlan, TimingRateMode } from "../../protocol/timing-plan.ts";
import type { RatePoint } from "./arrivals.ts";
import { buildSchedule, type Schedule, type TraceData } from "./fixed-schedule.ts";
import { type PhaseStop, profilingStop } from "./phase.ts";

/** The timing drivers (drivers/index.ts): a rate with its arrival pattern, a closed loop, a replayed trace, users. */
export type DriverKind = "rate" | "burst" | "fixed" | "users";

export type PhaseLoad = {
  driver: DriverKind;
  rateMode: TimingRateMode;
  requestRate: number | undefined;
  smoothness: number | undefined;
  concurrency: number | undefined;
  /** Most credits without a first response byte yet; undefined = no prefill ceiling. */
  prefillConcurrency: number | undefined;
  concurrencyRampSec: number | undefined;
  prefillRampSec: number | undefined;
  rateRampSec: number | undefined;
  /** Profiling only: a rate that changes over the phase (warmup never inherits it). */
  rateSeries?: readonly RatePoint[] | undefined;
  /** The "fixed" driver's first turns (profiling only). */
  schedule?: Schedule;
  /** The "users" driver's users and their total rate. */
  userCentric?: { users: number; rate: number };
};

/** One phase as it will run. */
export type PhasePlan = { phase: Phase; stop: PhaseStop; load: PhaseLoad };

/**
 * The phases of a run, in order: warmup (when it has a stop), then profiling. `trace`: the dataset's
 * timestamps, which a fixed-schedule plan needs for its schedule.
 */
export function phasePlans(plan: TimingPlan, trace?: TraceData): PhasePlan[] {
  const profiling = profilingPlan(plan, trace);
  const warmup = warmupStop(plan);
  return warmup === null ? [profiling] : [{ phase: "warmup", stop: warmup, load: warmupLoad(plan) }, profiling];
}

function profilingPlan(plan: TimingPlan, trace: TraceData | undefined): PhasePlan {
  const load: PhaseLoad = {
    driver: plan.fixedSchedule !== undefined ? "fixed" : plan.userCentric !== undefined ? "users" : plan.rateMode === "concurrency_burst" ? "burst" : "rate",
    rateMode: plan.rateMode,
    requestRate: plan.requestRate,
    smoothness: plan.smoothness,
    concurrency: plan.concurrency,
    prefillConcurrency: plan.prefillConcurrency,
    concurrencyRampSec: plan.concurrencyRampSec,
    prefillRampSec: plan.prefillRampSec,
    rateRampSec: plan.rateRampSec,
    rateSeries: plan.rateSeries,
    ...(plan.userCentric === undefined ? {} : { userCentric: plan.userCentric }),
  };
  if (plan.fixedSchedule === undefined) return { phase: "profiling", stop: profilingStop(plan), load };
  if (trace === undefined) throw new Error("A fixed-schedule plan needs the dataset file (datasetPath) for its timestamps");
  const schedule = buildSchedule(trace, plan.fixedSchedule);
  const stop: PhaseStop =
    plan.durationSec !== undefined ? profilingStop(plan) : { kind: "count", count: Math.min(schedule.turns, plan.requestCount ?? Number.POSITIVE_INFINITY) };
  return { phase: "profiling", stop, load: { ...load, schedule } };
}

function warmupLoad(plan: TimingPlan): PhaseLoad {
  const w = plan.warmup ?? {};
  const prefillConcurrency = w.prefillConcurrency ?? plan.prefillConcurrency;
  // Warmup ramps default to the profiling ones (upstream: "if not set, uses --…-ramp-duration").
  const ramps = {
    prefillConcurrency,
    concurrencyRampSec: w.concurrencyRampSec ?? plan.concurrencyRampSec,
    prefillRampSec: w.prefillRampSec ?? plan.prefillRampSec,
  };
  const rateRampSec = w.rateRampSec ?? plan.rateRampSec;
  const overridden = w.requestRate !== undefined || w.rateMode !== undefined;
  if (plan.userCentric !== undefined && !overridden) {
    const concurrency = w.concurrency ?? plan.concurrency;
    return {
      driver: "users",
      rateMode: "concurrency_burst",
      requestRate: undefined,
      smoothness: undefined,
      concurrency,
      ...ramps,
      rateRampSec,
      userCentric: plan.userCentric,
    };
  }
  const inheritedRate = plan.fixedSchedule === undefined && plan.userCentric === undefined ? plan.requestRate : undefined;
  const requestRate = w.rateMode === "concurrency_burst" ? undefined : (w.requestRate ?? inheritedRate);
  const inheritedMode = plan.rateMode === "concurrency_burst" ? "poisson" : plan.rateMode;
  const rateMode: TimingRateMode = requestRate === undefined ? "concurrency_burst" : (w.rateMode ?? inheritedMode);
  const concurrency = w.concurrency ?? plan.concurrency ?? (requestRate === undefined ? 1 : undefined);
  const driver = rateMode === "concurrency_burst" ? "burst" : "rate";
  return {
    driver,
    rateMode,
    requestRate,
    smoothness: plan.smoothness,
    concurrency,
    ...ramps,
    rateRampSec: requestRate === undefined ? undefined : rateRampSec,
  };
}

/** How warmup stops: its duration (grace default: none, wait for all), its sessions or its count; null = no warmup. */
function warmupStop(plan: TimingPlan): PhaseStop | null {
  const durationSec = plan.warmup?.durationSec;
  if (durationSec !== undefined) {
    return { kind: "duration", durationNs: durationSec * 1e9, graceNs: (plan.warmup?.graceSec ?? Number.POSITIVE_INFINITY) * 1e9 };
  }
  const sessions = plan.warmup?.sessions;
  if (sessions !== undefined) return { kind: "sessions", sessions };
  return plan.warmupRequestCount > 0 ? { kind: "count", count: plan.warmupRequestCount } : null;
}
