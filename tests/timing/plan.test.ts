import { describe, expect, test } from "bun:test";
import { parseTimingPlan, type TimingPlanInput } from "../../src/protocol/timing-plan.ts";

const ok: TimingPlanInput = { workers: ["w0"], rateMode: "poisson", requestRate: 10, requestCount: 5, conversations: 3 };

describe("TimingPlan", () => {
  test("fills the defaults", () => {
    expect(parseTimingPlan(ok) as unknown).toEqual({
      ...ok,
      warmupRequestCount: 0,
      cancellationRate: 0,
      cancellationDelaySec: 0,
      maxCatchupSec: 0.01,
      queuedCreditsPerSlot: 0,
    });
  });

  test("accepts a duration plan, and a grace period beside a count (the resolved profile always has one)", () => {
    expect(parseTimingPlan({ ...ok, requestCount: undefined, durationSec: 2, graceSec: 0 }).durationSec).toBe(2);
    expect(parseTimingPlan({ ...ok, graceSec: 30 }).graceSec).toBe(30);
    expect(parseTimingPlan({ workers: ["a", "b"], rateMode: "concurrency_burst", concurrency: 4, requestCount: 1, conversations: 1 }).concurrency).toBe(4);
    // A fixed schedule takes its count from the schedule, and needs no concurrency.
    expect(parseTimingPlan({ workers: ["a"], rateMode: "concurrency_burst", conversations: 1, fixedSchedule: {} }).fixedSchedule).toEqual({
      autoOffset: false,
    });
    expect(parseTimingPlan({ ...ok, rateMode: "gamma", smoothness: 4 }).smoothness).toBe(4);
  });

  test.each([
    [{ ...ok, durationSec: 1 }, "exactly one of requestCount and durationSec"],
    [{ ...ok, requestCount: undefined }, "exactly one of requestCount and durationSec"],
    [{ ...ok, queuedCreditsPerSlot: 2 }, "must be at most 1"],
    [{ ...ok, requestRate: undefined }, "need requestRate"],
    [{ ...ok, rateMode: "concurrency_burst", concurrency: 2 }, "cannot have requestRate"],
    [{ ...ok, rateMode: "concurrency_burst", requestRate: undefined }, "needs concurrency"],
    [{ ...ok, workers: ["a", "a"] }, "unique"],
    [{ ...ok, workers: [] }, "(workers)"],
    [{ ...ok, cancellationRate: 101 }, "(cancellationRate): must be at most 100"],
    [{ ...ok, requestRate: 0 }, "(requestRate): must be greater than 0"],
    [{ ...ok, rateMode: "bursty" }, "(rateMode)"],
    [{ ...ok, rateMode: "gamma", requestRate: undefined }, "need requestRate"],
    [{ ...ok, prefillConcurrency: 5, concurrency: 4 }, "prefillConcurrency cannot exceed concurrency"],
    [{ ...ok, concurrencyRampSec: 2 }, "concurrencyRampSec needs concurrency"],
    [{ ...ok, fixedSchedule: {}, userCentric: { rate: 1, users: 2 } }, "cannot be combined"],
    [{ ...ok, fixedSchedule: {}, durationSec: 3 }, "at most one of requestCount and durationSec"],
    [{ ...ok, warmup: { rateMode: "concurrency_burst", requestRate: 3 } }, "warmup concurrency_burst cannot have requestRate"],
    [{ ...ok, conversations: 0 }, "(conversations)"],
  ])("rejects %o", (plan, message) => {
    expect(() => parseTimingPlan(plan)).toThrow(message);
  });
});
