/** Prefill ceiling (released at first byte), concurrency ramp and request-rate ramp, on the simulated clock. */
import { describe, expect, test } from "bun:test";
import { RAMP_STEP_SEC, rampRate } from "../../src/services/timing/arrivals.ts";
import { BASE_PLAN, simulate, started } from "./harness.ts";

const MS = 1_000_000;
const SEC = 1e9;

describe("prefill concurrency", () => {
  test("caps credits without a first byte; a first byte frees the slot while the credit stays in flight", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 8, prefillConcurrency: 2, requestCount: 60 },
      { serviceNs: () => 50 * MS, firstByteNs: () => 10 * MS },
    );
    expect(r.result.phases[0]).toMatchObject({ sent: 60, completed: 60 });
    expect(r.maxPrefill).toBe(2);
    // Two every 10 ms, each held 50 ms: up to 8 in flight (the concurrency ceiling), more than the prefill cap.
    expect(r.maxInFlight).toBe(8);
    expect(r.sent.every((s) => s.credit.reportFirstByte === true)).toBe(true);
  });

  test("without first bytes, the prefill cap is the concurrency; without the flag credits do not ask for them", async () => {
    const held = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 8, prefillConcurrency: 3, requestCount: 30 },
      { serviceNs: () => 20 * MS, firstByteNs: () => null },
    );
    expect(held.maxInFlight).toBe(3);
    expect(held.result.phases[0]).toMatchObject({ sent: 30, completed: 30 });
    const plain = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 10 });
    expect(plain.sent.some((s) => s.credit.reportFirstByte !== undefined)).toBe(false);
  });
});

describe("prefill ramp", () => {
  test("the prefill ceiling climbs from 1 to its target over the ramp", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 10, prefillConcurrency: 4, prefillRampSec: 3, requestCount: 300 },
      { serviceNs: () => 100 * MS, firstByteNs: () => null },
    );
    const start = r.result.phases[0]?.startNs ?? 0;
    const maxIn = (fromMs: number, toMs: number): number =>
      Math.max(...r.sent.filter((s) => s.atNs - start >= fromMs * MS && s.atNs - start < toMs * MS).map((s) => s.inFlightAfter));
    expect(maxIn(0, 1000)).toBe(1);
    expect(maxIn(1000, 2000)).toBe(2);
    expect(maxIn(2000, 3000)).toBe(3);
    expect(maxIn(3000, 100_000)).toBe(4);
  });
});

describe("concurrency ramp", () => {
  test("the ceiling climbs from 1 to the target in even steps over the ramp", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 5, concurrencyRampSec: 2, requestCount: 200 },
      { serviceNs: () => 100 * MS },
    );
    const start = r.result.phases[0]?.startNs ?? 0;
    const maxIn = (fromMs: number, toMs: number): number =>
      Math.max(
        ...started(r.sent)
          .filter((s) => s.startedNs - start >= fromMs * MS && s.startedNs - start < toMs * MS)
          .map((s) => s.runningAfter),
      );
    expect(maxIn(0, 500)).toBe(1);
    expect(maxIn(500, 1000)).toBe(2);
    expect(maxIn(1000, 1500)).toBe(3);
    expect(maxIn(1500, 2000)).toBe(4);
    expect(maxIn(2000, 10_000)).toBe(5);
    expect(r.result.phases[0]).toMatchObject({ sent: 200, completed: 200 });
  });
});

describe("request-rate ramp", () => {
  test("rampRate starts at target·step/duration and reaches the target at the duration", () => {
    expect(RAMP_STEP_SEC).toBe(0.1);
    expect(rampRate(100, SEC, 0)).toBeCloseTo(10);
    expect(rampRate(100, SEC, 150 * MS)).toBeCloseTo(20);
    expect(rampRate(100, SEC, 950 * MS)).toBeCloseTo(100);
    expect(rampRate(100, SEC, 5 * SEC)).toBe(100);
    // A ramp shorter than one step is no ramp.
    expect(rampRate(100, 50 * MS, 0)).toBe(100);
  });

  test("a constant rate ramps up over the ramp, then keeps the target spacing", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 100, rateRampSec: 1, requestCount: 120 });
    const start = r.result.phases[0]?.startNs ?? 0;
    const at = r.sent.map((s) => (s.atNs - start) / MS);
    const gaps = at.slice(1).map((t, k) => t - (at[k] as number));
    expect(gaps[0]).toBeCloseTo(100, 6);
    // Gaps never grow while the rate climbs; after the ramp they are the target's 10 ms.
    expect(gaps.every((g, k) => k === 0 || g <= (gaps[k - 1] as number) + 1e-6)).toBe(true);
    const ramped = at.filter((t) => t < 1000).length;
    expect(ramped).toBeGreaterThan(40);
    expect(ramped).toBeLessThan(70);
    expect(gaps.slice(ramped).every((g) => Math.abs(g - 10) < 1e-6)).toBe(true);
  });
});
