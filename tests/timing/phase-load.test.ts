/** phasePlans: every per-phase decision of a run, made once — phases, stops, drivers, inherited loads. */
import { describe, expect, test } from "bun:test";
import { parseTimingPlan, type TimingPlanInput } from "../../src/protocol/timing-plan.ts";
import type { TraceData } from "../../src/services/timing/fixed-schedule.ts";
import { phasePlans } from "../../src/services/timing/phase-load.ts";

const BASE = { workers: ["w0"], conversations: 4 };
const plans = (input: TimingPlanInput, trace?: TraceData) => phasePlans(parseTimingPlan(input), trace);
const TRACE: TraceData = { conversations: 4, turnCount: (c) => c + 1, timestampMs: (c, t) => (t === 0 ? c * 100 : null) };

describe("phasePlans", () => {
  test("without a warmup stop there is only profiling, and its driver follows the rate mode", () => {
    const rate = plans({ ...BASE, rateMode: "gamma", requestRate: 5, smoothness: 3, requestCount: 10 });
    expect(rate.map((p) => p.phase)).toEqual(["profiling"]);
    expect(rate[0]).toMatchObject({ stop: { kind: "count", count: 10 }, load: { driver: "rate", rateMode: "gamma", requestRate: 5, smoothness: 3 } });
    const burst = plans({ ...BASE, rateMode: "concurrency_burst", concurrency: 3, durationSec: 2, graceSec: 1 });
    expect(burst[0]).toMatchObject({ stop: { kind: "duration", durationNs: 2e9, graceNs: 1e9 }, load: { driver: "burst", concurrency: 3 } });
    const users = plans({ ...BASE, rateMode: "concurrency_burst", userCentric: { rate: 2, users: 4 }, requestCount: 8 });
    expect(users[0]?.load).toMatchObject({ driver: "users", userCentric: { rate: 2, users: 4 } });
  });

  test("a fixed schedule is built once: its count is the schedule's turns, capped by an explicit count", () => {
    const [all] = plans({ ...BASE, rateMode: "concurrency_burst", fixedSchedule: { autoOffset: true } }, TRACE);
    expect(all?.load.driver).toBe("fixed");
    expect(all?.stop).toEqual({ kind: "count", count: 1 + 2 + 3 + 4 });
    expect(all?.load.schedule?.entries.map((e) => e.offsetNs)).toEqual([0, 100e6, 200e6, 300e6]);
    const [capped] = plans({ ...BASE, rateMode: "concurrency_burst", requestCount: 3, fixedSchedule: {} }, TRACE);
    expect(capped?.stop).toEqual({ kind: "count", count: 3 });
    expect(() => plans({ ...BASE, rateMode: "concurrency_burst", fixedSchedule: {} })).toThrow("needs the dataset file");
  });

  test("warmup inherits the profiling load field by field; its own overrides win", () => {
    const [warmup, profiling] = plans({
      ...BASE,
      rateMode: "constant",
      requestRate: 50,
      concurrency: 8,
      prefillConcurrency: 2,
      requestCount: 10,
      warmupRequestCount: 5,
      warmup: { concurrency: 4 },
    });
    expect(warmup).toMatchObject({
      phase: "warmup",
      stop: { kind: "count", count: 5 },
      load: { driver: "rate", rateMode: "constant", requestRate: 50, concurrency: 4, prefillConcurrency: 2 },
    });
    expect(profiling?.load).toMatchObject({ driver: "rate", concurrency: 8 });
    const [burstWarmup] = plans({ ...BASE, rateMode: "poisson", requestRate: 50, requestCount: 10, warmup: { durationSec: 1, rateMode: "concurrency_burst" } });
    expect(burstWarmup).toMatchObject({
      stop: { kind: "duration", durationNs: 1e9, graceNs: Number.POSITIVE_INFINITY },
      load: { driver: "burst", requestRate: undefined, concurrency: 1 },
    });
  });

  test("a fixed schedule or a rate series is never replayed in warmup: a closed loop at concurrency 1, or the warmup rate", () => {
    const [warmup] = plans({ ...BASE, rateMode: "concurrency_burst", fixedSchedule: {}, warmupRequestCount: 2 }, TRACE);
    expect(warmup?.load).toMatchObject({ driver: "burst", concurrency: 1 });
    expect(warmup?.load.schedule).toBeUndefined();
    const [seriesWarmup] = plans({
      ...BASE,
      rateMode: "poisson",
      rateSeries: [{ timeSec: 0, rate: 5 }],
      requestCount: 4,
      warmup: { sessions: 2, requestRate: 9 },
    });
    expect(seriesWarmup).toMatchObject({ stop: { kind: "sessions", sessions: 2 }, load: { driver: "rate", rateMode: "poisson", requestRate: 9 } });
    expect(seriesWarmup?.load.rateSeries).toBeUndefined();
  });

  test("user-centric warmup keeps its users unless warmup names a rate or pattern", () => {
    const uc = { ...BASE, rateMode: "concurrency_burst" as const, userCentric: { rate: 2, users: 4 }, requestCount: 8, warmupRequestCount: 3 };
    expect(plans(uc)[0]?.load).toMatchObject({ driver: "users", userCentric: { rate: 2, users: 4 } });
    expect(plans({ ...uc, warmup: { requestRate: 7 } })[0]?.load).toMatchObject({ driver: "rate", requestRate: 7, rateMode: "poisson" });
  });
});
