/**
 * The statistics of `aiperf compare` against textbook values: standard normal tables, U counted by
 * hand, and p-values of scipy.stats.mannwhitneyu(method="asymptotic") (tie- and
 * continuity-corrected), written down here as constants.
 */
import { describe, expect, test } from "bun:test";
import { bootstrapRelativeChange, mannWhitneyU, normalCdf, normalQuantile, normalSf, statisticOf } from "../../src/metrics/significance.ts";

const close = (actual: number, expected: number, relative = 1e-9): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative + 1e-300);
};

describe("standard normal", () => {
  test("cdf matches the table (Φ(1.96) = 0.9750021048517795, Φ(−1) = 0.15865525393145707 …)", () => {
    close(normalCdf(0), 0.5);
    close(normalCdf(1.96), 0.9750021048517795);
    close(normalCdf(-1), 0.15865525393145707);
    close(normalCdf(-2), 0.022750131948179195);
    close(normalCdf(2.5), 0.9937903346742238);
    close(normalCdf(-3.5), 0.00023262907903552502);
  });

  test("the far tail keeps its digits (1 − cdf would round away)", () => {
    close(normalSf(6), 9.865876450376946e-10);
    close(normalCdf(-8), 6.22096057427174e-16);
    close(normalSf(-8), 1 - 6.22096057427174e-16);
  });

  test("quantiles: z(0.975) = 1.959963984540054, z(0.95) = 1.6448536269514722, z(0.995) = 2.5758293035489004, z(0.001) = −3.090232306167813", () => {
    close(normalQuantile(0.975), 1.959963984540054);
    close(normalQuantile(0.95), 1.6448536269514722);
    close(normalQuantile(0.995), 2.5758293035489004);
    close(normalQuantile(0.001), -3.090232306167813);
    close(normalQuantile(0.9), 1.2815515655446004);
    close(normalQuantile(1e-10), -6.361340902404056);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
  });

  test("quantile inverts cdf", () => {
    for (const p of [0.01, 0.2, 0.5, 0.77, 0.99]) close(normalCdf(normalQuantile(p)), p, 1e-12);
  });
});

describe("Mann-Whitney U", () => {
  test("no overlap, by hand: x = [1,2,3] below y = [4,5,6] gives U1 = 0, U2 = 9; z = (0 − 4.5 + 0.5)/√5.25; p = 0.0808556 (scipy)", () => {
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    expect(r.u1).toBe(0);
    expect(r.u2).toBe(9);
    close(r.z, -4 / Math.sqrt(5.25));
    close(r.p, 0.08085559837005224);
    expect(r.probabilityGreater).toBe(0);
  });

  test("ties take mid-ranks and shrink the variance: scipy's U and p", () => {
    const r = mannWhitneyU([1, 2, 2, 3, 7], [2, 3, 4, 5, 5, 9]);
    expect(r.u1).toBe(7.5);
    close(r.p, 0.19504039754870217);
    const heavy = mannWhitneyU([1, 1, 2, 2, 2, 3, 3, 4, 5], [2, 3, 3, 4, 4, 5, 5, 5, 6, 7]);
    expect(heavy.u1).toBe(16);
    expect(heavy.u2).toBe(74);
    close(heavy.p, 0.018099262453856266);
    // The test is symmetric: swapping the samples swaps U1 and U2 and keeps p.
    const swapped = mannWhitneyU([2, 3, 3, 4, 4, 5, 5, 5, 6, 7], [1, 1, 2, 2, 2, 3, 3, 4, 5]);
    expect(swapped.u1).toBe(74);
    close(swapped.p, heavy.p);
  });

  test("latency-like samples with one tie across them: U = 6.5, p = 0.014997 (scipy)", () => {
    const r = mannWhitneyU([19.1, 21.4, 22.0, 25.3, 18.7, 30.2, 24.4, 20.0], [28.3, 26.1, 31.0, 24.4, 35.2, 29.9, 27.7]);
    expect(r.u1).toBe(6.5);
    close(r.p, 0.014997038636807363);
  });

  test("every value tied: no evidence, p = 1", () => {
    const r = mannWhitneyU([5, 5, 5], [5, 5]);
    expect(r.u1).toBe(3);
    expect(r.p).toBe(1);
    expect(r.probabilityGreater).toBe(0.5);
  });

  test("an empty sample is refused", () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});

describe("bootstrap CI of the relative change", () => {
  const base = Array.from({ length: 60 }, (_, i) => 100 + ((i * 37) % 21));
  const slower = base.map((x) => x * 1.3);

  test("statistics: p50 as numpy, avg as the mean", () => {
    expect(statisticOf([1, 2, 3, 4], "p50")).toBe(2.5);
    expect(statisticOf([1, 2, 3, 4], "avg")).toBe(2.5);
    expect(statisticOf([1, 2, 3, 4], "p95")).toBe(3.8499999999999996);
  });

  test("a 30 % slowdown: the estimate is +30 % and the 95 % CI holds it, away from zero", () => {
    const ci = bootstrapRelativeChange(base, slower, "p50", { iterations: 1000, confidence: 0.95, seed: 7 });
    close(ci.estimate, 0.3, 1e-12);
    expect(ci.low).toBeGreaterThan(0.1);
    expect(ci.low).toBeLessThanOrEqual(0.3);
    expect(ci.high).toBeGreaterThanOrEqual(0.3);
  });

  test("the same sample twice: the CI holds zero", () => {
    const ci = bootstrapRelativeChange(base, base, "avg", { iterations: 1000, confidence: 0.95, seed: 7 });
    expect(ci.estimate).toBe(0);
    expect(ci.low).toBeLessThan(0);
    expect(ci.high).toBeGreaterThan(0);
  });

  test("seeded: the same seed gives the same interval, another seed another one", () => {
    const a = bootstrapRelativeChange(base, slower, "p90", { iterations: 500, confidence: 0.9, seed: 3 });
    const b = bootstrapRelativeChange(base, slower, "p90", { iterations: 500, confidence: 0.9, seed: 3 });
    const c = bootstrapRelativeChange(base, slower, "p90", { iterations: 500, confidence: 0.9, seed: 4 });
    expect(b).toEqual(a);
    expect([c.low, c.high]).not.toEqual([a.low, a.high]);
  });
});
