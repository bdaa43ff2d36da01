/** Gamma arrivals (--arrival-pattern gamma, --arrival-smoothness k): mean gap 1/rate, CV 1/√k, seeded. */
import { describe, expect, test } from "bun:test";
import { createRng } from "../../src/core/rng.ts";
import { gammaArrivals, gammaDraw } from "../../src/services/timing/arrivals.ts";
import { BASE_PLAN, simulate } from "./harness.ts";

const MS = 1_000_000;

function moments(values: number[]): { mean: number; cv: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, cv: Math.sqrt(variance) / mean };
}

function gaps(offsets: number[]): number[] {
  return offsets.slice(1).map((o, i) => o - (offsets[i] as number));
}

describe("gamma draws", () => {
  test.each([0.25, 0.5, 1, 2, 4, 16])("Gamma(k=%p, 1) has mean k and variance k", (k) => {
    const rng = createRng(7);
    const draws = Array.from({ length: 40_000 }, () => gammaDraw(rng, k));
    const { mean, cv } = moments(draws);
    expect(Math.abs(mean - k) / k).toBeLessThan(0.03);
    expect(Math.abs(cv - 1 / Math.sqrt(k))).toBeLessThan(0.03 / Math.sqrt(Math.min(k, 1)));
    expect(draws.every((d) => d > 0)).toBe(true);
  });
});

describe("gamma arrivals", () => {
  test.each([
    [0.5, Math.SQRT2],
    [1, 1],
    [4, 0.5],
    [25, 0.2],
  ])("smoothness %p: gaps average 1/rate with CV %p", (k, cv) => {
    const a = gammaArrivals(200, k, createRng(42));
    const offsets = Array.from({ length: 30_001 }, () => a.next());
    expect(offsets[0]).toBe(0);
    const m = moments(gaps(offsets));
    expect(Math.abs(m.mean - 5 * MS) / (5 * MS)).toBeLessThan(0.03);
    expect(Math.abs(m.cv - cv) / cv).toBeLessThan(0.05);
  });

  test("the same seed gives the same offsets; restart begins again at 0", () => {
    const one = gammaArrivals(50, 3, createRng(9));
    const two = gammaArrivals(50, 3, createRng(9));
    const a = Array.from({ length: 100 }, () => one.next());
    expect(Array.from({ length: 100 }, () => two.next())).toEqual(a);
    one.restart();
    expect(one.next()).toBe(0);
    expect(one.next()).toBeGreaterThan(0);
  });

  test("a gamma plan sends on gamma gaps: count, mean spacing and smoothness from the plan's seed", async () => {
    const run = (smoothness: number) =>
      simulate({ ...BASE_PLAN, rateMode: "gamma", requestRate: 100, smoothness, requestCount: 3000, maxCatchupSec: 10 }, { serviceNs: () => MS });
    const smooth = await run(16);
    expect(smooth.sent).toHaveLength(3000);
    expect(smooth.sent.every((s) => s.atNs === s.credit.intendedNs)).toBe(true);
    const m = moments(gaps(smooth.sent.map((s) => s.atNs)));
    expect(Math.abs(m.mean - 10 * MS) / (10 * MS)).toBeLessThan(0.05);
    expect(Math.abs(m.cv - 0.25)).toBeLessThan(0.03);
    const bursty = moments(gaps((await run(0.25)).sent.map((s) => s.atNs)));
    expect(Math.abs(bursty.cv - 2) / 2).toBeLessThan(0.1);
    // Same seed, same schedule.
    expect((await run(16)).sent.map((s) => s.atNs)).toEqual(smooth.sent.map((s) => s.atNs));
  });
});
