/**
 * The load of each phase: which driver issues its credits and with what rate, pattern and ceiling.
 * Profiling takes the plan's values. Warmup (§4.4, newer upstream) takes its overrides and inherits
 * every unset field from profiling; a fixed schedule or a rate series is never replayed in warmup
 * (its warmup is a closed loop at the warmup concurrency, default 1, or the warmup rate when one is
 * given). The prefill ceiling is per phase too (--warmup-prefill-concurrency).
 */
import type { Phase } from "../../protocol/pipeline.ts";
import type { TimingPlan, TimingRateMode } from "../../protocol/timing-plan.ts";
import type { RatePoint } from "./arrivals.ts";
import type { PhaseStop } from "./phase.ts";

type PhaseLoad = {
  driver: "rate" | "fixed" | "users";
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
};

export function phaseLoad(plan: TimingPlan, phase: Phase): PhaseLoad {
  const warm = phase === "warmup" ? plan.warmup : undefined;
  const prefillConcurrency = warm?.prefillConcurrency ?? plan.prefillConcurrency;
  // Warmup ramps default to the profiling ones (upstream: "if not set, uses --…-ramp-duration").
  const ramps = {
    prefillConcurrency,
    concurrencyRampSec: warm?.concurrencyRampSec ?? plan.concurrencyRampSec,
    prefillRampSec: warm?.prefillRampSec ?? plan.prefillRampSec,
    rateRampSec: warm?.rateRampSec ?? plan.rateRampSec,
  };
  if (phase === "profiling") {
    const driver = plan.fixedSchedule !== undefined ? "fixed" : plan.userCentric !== undefined ? "users" : "rate";
    return { driver, rateMode: plan.rateMode, requestRate: plan.requestRate, smoothness: plan.smoothness, concurrency: plan.concurrency, ...ramps, rateSeries: plan.rateSeries };
  }
  const w = plan.warmup ?? {};
  const overridden = w.requestRate !== undefined || w.rateMode !== undefined;
  if (plan.userCentric !== undefined && !overridden) {
    return { driver: "users", rateMode: "concurrency_burst", requestRate: undefined, smoothness: undefined, concurrency: w.concurrency ?? plan.concurrency, ...ramps };
  }
  const inheritedRate = plan.fixedSchedule === undefined && plan.userCentric === undefined ? plan.requestRate : undefined;
  const requestRate = w.rateMode === "concurrency_burst" ? undefined : (w.requestRate ?? inheritedRate);
  const inheritedMode = plan.rateMode === "concurrency_burst" ? "poisson" : plan.rateMode;
  const rateMode: TimingRateMode = requestRate === undefined ? "concurrency_burst" : (w.rateMode ?? inheritedMode);
  const concurrency = w.concurrency ?? plan.concurrency ?? (requestRate === undefined ? 1 : undefined);
  return { driver: "rate", rateMode, requestRate, smoothness: plan.smoothness, concurrency, ...ramps, rateRampSec: requestRate === undefined ? undefined : ramps.rateRampSec };
}

/** How warmup stops: its duration (grace default: none, wait for all), its sessions or its count; null = no warmup. */
export function warmupStop(plan: TimingPlan): PhaseStop | null {
  const durationSec = plan.warmup?.durationSec;
  if (durationSec !== undefined) {
    return { kind: "duration", durationNs: durationSec * 1e9, graceNs: (plan.warmup?.graceSec ?? Number.POSITIVE_INFINITY) * 1e9 };
  }
  const sessions = plan.warmup?.sessions;
  if (sessions !== undefined) return { kind: "sessions", sessions };
  return plan.warmupRequestCount > 0 ? { kind: "count", count: plan.warmupRequestCount } : null;
}
