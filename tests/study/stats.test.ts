/** Student-t critical values against textbook tables, and the aggregate statistics against hand-computed values. */
import { describe, expect, test } from "bun:test";
import { incompleteBeta, logGamma, tCdf, tCritical, tQuantile } from "../../src/study/t-dist.ts";
import { confidenceStats, percentileSorted } from "../../src/study/stats.ts";

describe("Student t", () => {
  // Two-sided critical values as printed in t tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
  const table: [number, number, number][] = [
    [0.95, 1, 12.706],
    [0.95, 2, 4.303],
    [0.95, 4, 2.776],
    [0.95, 9, 2.262],
    [0.95, 10, 2.228],
    [0.95, 30, 2.042],
    [0.95, 100, 1.984],
    [0.9, 2, 2.92],
    [0.9, 5, 2.015],
    [0.99, 4, 4.604],
    [0.99, 1, 63.657],
    [0.99, 20, 2.845],
    [0.999, 3, 12.924],
  ];
  for (const [level, df, expected] of table) {
    test(`t critical ${level} df ${df} = ${expected}`, () => {
      expect(tCritical(level, df)).toBeCloseTo(expected, 3);
    });
  }

  test("closed forms: df 1 is Cauchy, df 2 has t = (2p−1)·sqrt(2/(1−(2p−1)²))", () => {
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      const a = 2 * p - 1;
      expect(tQuantile(p, 2)).toBeCloseTo(a * Math.sqrt(2 / (1 - a * a)), 9);
    }
  });

  test("large df approaches the normal quantile 1.959964", () => {
    expect(tCritical(0.95, 1e6)).toBeCloseTo(1.959964, 5);
  });

  test("CDF and quantile invert each other; the CDF is symmetric", () => {
    for (const df of [1, 3, 7.5, 40]) {
      for (const p of [0.01, 0.3, 0.5, 0.8, 0.999]) expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 10);
      expect(tCdf(-1.3, df) + tCdf(1.3, df)).toBeCloseTo(1, 12);
    }
  });

  test("gamma and incomplete beta: known values", () => {
    expect(Math.exp(logGamma(5))).toBeCloseTo(24, 9);
    expect(Math.exp(logGamma(0.5))).toBeCloseTo(Math.sqrt(Math.PI), 12);
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_0.5(a, a) = 0.5.
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(0.4, 3, 1)).toBeCloseTo(0.064, 12);
    expect(incompleteBeta(0.5, 4.5, 4.5)).toBeCloseTo(0.5, 12);
  });

  test("bad arguments are refused", () => {
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
    expect(() => tQuantile(0.5, 0)).toThrow(RangeError);
  });
});

describe("confidenceStats", () => {
  test("upstream's worked example: TTFT p99 over 5 runs [150, 152, 148, 155, 151]", () => {
    const s = confidenceStats([150, 152, 148, 155, 151], 0.95);
    // By hand: mean 756/5; squared deviations 1.44+0.64+10.24+14.44+0.04 = 26.8; var 26.8/4 = 6.7.
    expect(s.mean).toBeCloseTo(151.2, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(6.7), 12);
    expect(s.se).toBeCloseTo(Math.sqrt(6.7) / Math.sqrt(5), 12);
    expect(s.cv).toBeCloseTo(Math.sqrt(6.7) / 151.2, 12);
    expect(s.t_critical).toBeCloseTo(2.776445, 5);
    expect(s.ci_low).toBeCloseTo(151.2 - 2.776445105 * Math.sqrt(1.34), 6);
    expect(s.ci_high).toBeCloseTo(151.2 + 2.776445105 * Math.sqrt(1.34), 6);
    expect([s.min, s.max]).toEqual([148, 155]);
  });

  test("one run: no spread and no interval", () => {
    const s = confidenceStats([7], 0.95);
    expect(s.mean).toBe(7);
    expect(s.std).toBe(0);
    expect(Number.isNaN(s.ci_low)).toBe(true);
    expect(Number.isNaN(s.t_critical)).toBe(true);
  });

  test("a zero mean has an infinite cv (upstream's rule)", () => {
    expect(confidenceStats([-1, 1], 0.95).cv).toBe(Number.POSITIVE_INFINITY);
  });

  test("percentiles interpolate linearly between ranks (numpy's default)", () => {
    const sorted = [1, 2, 3, 4, 10];
    expect(percentileSorted(sorted, 50)).toBe(3);
    expect(percentileSorted(sorted, 90)).toBeCloseTo(7.6, 12);
    expect(percentileSorted(sorted, 0)).toBe(1);
    expect(percentileSorted(sorted, 100)).toBe(10);
  });
});
