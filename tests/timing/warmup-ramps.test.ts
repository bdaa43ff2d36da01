/**
 * --warmup-concurrency-ramp-duration, --warmup-prefill-concurrency-ramp-duration and
 * --warmup-request-rate-ramp-duration: the flags' rules, the plan they make, and the warmup ramps on
 * the simulated clock (each defaults to the profiling ramp, as upstream; profiling keeps its own).
 */
import { describe, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../../src/config/resolve.ts";
import { type PhaseLoad, phasePlans } from "../../src/services/timing/phase-load.ts";
import { parseTimingPlan, type TimingPhaseResult, type TimingPlan } from "../../src/protocol/timing-plan.ts";
import { BASE_PLAN, ofPhase, type SimOutcome, simulate, started } from "./harness.ts";

const MS = 1_000_000;

function resolve(...args: string[]): ResolvedProfile {
  const { input } = readProfileArgs(["-m", "m", ...args]);
  return resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {});
}

/** Most credits in flight among those sent in [fromMs, toMs) after the phase's start. */
function maxIn(r: SimOutcome, phase: "warmup" | "profiling", fromMs: number, toMs: number): number {
  const start = (r.result.phases.find((p) => p.phase === phase) as TimingPhaseResult).startNs;
  // What the workers started: a queued credit takes its slot when it starts, not when it is sent.
  const sent = started(ofPhase(r.sent, phase)).filter((s) => s.startedNs - start >= fromMs * MS && s.startedNs - start < toMs * MS);
  return Math.max(...sent.map((s) => s.runningAfter));
}

/** The load `phase` runs with, as the timing service plans it. */
function phaseLoad(plan: TimingPlan, phase: "warmup" | "profiling"): PhaseLoad {
  const found = phasePlans(plan).find((p) => p.phase === phase);
  if (found === undefined) throw new Error(`no ${phase} phase planned`);
  return found.load;
}

describe("warmup ramp flags", () => {
  test("resolve, and reach the timing plan's warmup block", () => {
    const cfg = resolve(
      "--warmup-request-count",
      "5",
      "--concurrency",
      "4",
      "--warmup-concurrency-ramp-duration",
      "2",
      "--streaming",
      "--prefill-concurrency",
      "2",
      "--warmup-prefill-concurrency-ramp-duration",
      "1.5",
    );
    expect(cfg).toMatchObject({ warmupConcurrencyRampDuration: 2, warmupPrefillConcurrencyRampDuration: 1.5 });
    expect(resolve("--warmup-request-count", "5", "--request-rate", "10", "--warmup-request-rate-ramp-duration", "3").warmupRequestRateRampDuration).toBe(3);
    const plan = parseTimingPlan({
      ...BASE_PLAN,
      rateMode: "concurrency_burst",
      concurrency: 4,
      requestCount: 5,
      warmupRequestCount: 5,
      warmup: { concurrencyRampSec: 2, prefillRampSec: 1.5, rateRampSec: 3 },
    });
    expect(plan.warmup).toMatchObject({ concurrencyRampSec: 2, prefillRampSec: 1.5, rateRampSec: 3 });
  });

  test("each defaults to the profiling ramp in warmup; profiling never takes the warmup one", () => {
    const inherit = parseTimingPlan({
      ...BASE_PLAN,
      rateMode: "constant",
      requestRate: 10,
      concurrency: 4,
      prefillConcurrency: 2,
      concurrencyRampSec: 5,
      prefillRampSec: 6,
      rateRampSec: 7,
      requestCount: 5,
      warmupRequestCount: 5,
    });
    expect(phaseLoad(inherit, "warmup")).toMatchObject({ concurrencyRampSec: 5, prefillRampSec: 6, rateRampSec: 7 });
    const own = parseTimingPlan({ ...inherit, warmup: { concurrencyRampSec: 1, prefillRampSec: 2, rateRampSec: 3 } });
    expect(phaseLoad(own, "warmup")).toMatchObject({ concurrencyRampSec: 1, prefillRampSec: 2, rateRampSec: 3 });
    expect(phaseLoad(own, "profiling")).toMatchObject({ concurrencyRampSec: 5, prefillRampSec: 6, rateRampSec: 7 });
    const none = parseTimingPlan({
      ...BASE_PLAN,
      rateMode: "concurrency_burst",
      concurrency: 4,
      requestCount: 5,
      warmupRequestCount: 5,
      warmup: { concurrencyRampSec: 1 },
    });
    expect(phaseLoad(none, "profiling").concurrencyRampSec).toBeUndefined();
  });

  test.each([
    [
      ["--warmup-concurrency-ramp-duration", "2", "--concurrency", "4"],
      "--warmup-concurrency-ramp-duration needs a warmup (--warmup-request-count, --warmup-duration or --num-warmup-sessions)",
    ],
    [["--warmup-request-rate-ramp-duration", "2", "--request-rate", "4"], "--warmup-request-rate-ramp-duration needs a warmup"],
    [["--warmup-prefill-concurrency-ramp-duration", "2"], "--warmup-prefill-concurrency-ramp-duration needs a warmup"],
    [
      ["--warmup-request-count", "3", "--warmup-concurrency-ramp-duration", "2"],
      "--warmup-concurrency-ramp-duration needs --warmup-concurrency (or --concurrency)",
    ],
    [
      ["--warmup-request-count", "3", "--streaming", "--warmup-prefill-concurrency-ramp-duration", "2"],
      "--warmup-prefill-concurrency-ramp-duration needs --warmup-prefill-concurrency (or --prefill-concurrency)",
    ],
    [
      ["--warmup-request-count", "3", "--warmup-request-rate-ramp-duration", "2"],
      "--warmup-request-rate-ramp-duration needs --warmup-request-rate (or --request-rate)",
    ],
    [
      [
        "--warmup-request-count",
        "3",
        "--request-rate",
        "5",
        "--warmup-arrival-pattern",
        "concurrency_burst",
        "--warmup-concurrency",
        "2",
        "--warmup-request-rate-ramp-duration",
        "2",
      ],
      "--warmup-request-rate-ramp-duration needs --warmup-request-rate (or --request-rate)",
    ],
  ])("%p is rejected", (args, message) => {
    expect(() => resolve(...args)).toThrow(message);
  });

  test.each(["--warmup-concurrency-ramp-duration", "--warmup-prefill-concurrency-ramp-duration", "--warmup-request-rate-ramp-duration"])(
    "%s 0 is an invalid value",
    (flag) => {
      expect(() => resolve("--warmup-request-count", "3", flag, "0")).toThrow(`Invalid value 0 for ${flag}: must be greater than 0`);
    },
  );
});

describe("warmup ramps on the simulated clock", () => {
  test("the warmup concurrency climbs over its own ramp; profiling starts at its target", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 40, warmupRequestCount: 120, warmup: { concurrencyRampSec: 2 } },
      { serviceNs: () => 100 * MS },
    );
    expect(maxIn(r, "warmup", 0, 500)).toBe(1);
    expect(maxIn(r, "warmup", 500, 1000)).toBe(2);
    expect(maxIn(r, "warmup", 1000, 1500)).toBe(3);
    expect(maxIn(r, "warmup", 2000, 100_000)).toBe(4);
    // No profiling ramp: its first four credits go out at once.
    expect(maxIn(r, "profiling", 0, 1)).toBe(4);
    expect(r.result.phases.map((p) => [p.phase, p.sent])).toEqual([
      ["warmup", 120],
      ["profiling", 40],
    ]);
  });

  test("the warmup prefill ceiling climbs over its own ramp", async () => {
    const r = await simulate(
      {
        ...BASE_PLAN,
        rateMode: "concurrency_burst",
        concurrency: 10,
        prefillConcurrency: 3,
        requestCount: 20,
        warmupRequestCount: 200,
        warmup: { prefillRampSec: 2 },
      },
      { serviceNs: () => 100 * MS, firstByteNs: () => null },
    );
    expect(maxIn(r, "warmup", 0, 1000)).toBe(1);
    expect(maxIn(r, "warmup", 1000, 2000)).toBe(2);
    expect(maxIn(r, "warmup", 2000, 100_000)).toBe(3);
    expect(maxIn(r, "profiling", 0, 1)).toBe(3);
  });

  test("the warmup rate ramps up while profiling keeps the target spacing from its start", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 30, warmupRequestCount: 60, warmup: { rateRampSec: 1 } });
    const gaps = (phase: "warmup" | "profiling") => {
      const at = ofPhase(r.sent, phase).map((s) => s.credit.intendedNs);
      return at.slice(1).map((t, i) => (t - (at[i] as number)) / MS);
    };
    const warm = gaps("warmup");
    // Starts at 10/s (100 ms apart), then the gaps shrink toward 10 ms.
    expect(warm[0]).toBeCloseTo(100, 0);
    expect(warm.at(-1) as number).toBeLessThan(20);
    expect(gaps("profiling").every((g) => Math.abs(g - 10) < 0.01)).toBe(true);
  });
});
