/** KS test, Kolmogorov tail and gamma CDF against hand-computed and textbook values. */
import { describe, expect, test } from "bun:test";
import { exponentialCdf, gammaCdf, kolmogorovQ, ksTest, lnGamma, regularizedGammaP } from "../../src/metrics/fidelity-math.ts";

const uniform = (x: number): number => Math.min(1, Math.max(0, x));

describe("one-sample Kolmogorov–Smirnov", () => {
  test("D of [0.1, 0.4, 0.7] against U(0,1) is 0.3 (at x = 0.7: 1 − 0.7), p from Stephens' λ", () => {
    const r = ksTest([0.1, 0.4, 0.7], uniform);
    expect(r.n).toBe(3);
    expect(r.d).toBeCloseTo(0.3, 12);
    // λ = (√3 + 0.12 + 0.11/√3)·0.3 = 0.574668; Q(λ) = 2(e^{−2λ²} − e^{−8λ²} + e^{−18λ²} − …) = 0.895945
    expect(r.pValue).toBeCloseTo(0.895945, 5);
  });

  test("D counts the step below each point too: [0.5, 0.9, 0.95] against U(0,1) is 0.5 − 0 at x = 0.5", () => {
    const r = ksTest([0.5, 0.9, 0.95], uniform);
    // i=1: max(1/3 − 0.5, 0.5 − 0) = 0.5; i=2: max(2/3 − 0.9, 0.9 − 1/3) = 0.5667; i=3: 0.95 − 2/3 = 0.2833
    expect(r.d).toBeCloseTo(0.9 - 1 / 3, 12);
  });

  test("a perfect uniform grid has D = 1/(2n) and a p-value of 1", () => {
    const n = 100;
    const grid = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const r = ksTest(grid, uniform);
    expect(r.d).toBeCloseTo(1 / (2 * n), 12);
    expect(r.pValue).toBe(1);
  });

  test("a sample from a shifted distribution is rejected", () => {
    const n = 200;
    const shifted = Array.from({ length: n }, (_, i) => 0.3 + (0.7 * (i + 0.5)) / n);
    const r = ksTest(shifted, uniform);
    expect(r.d).toBeCloseTo(0.3, 2);
    expect(r.pValue).toBeLessThan(1e-6);
  });

  test("Kolmogorov tail: textbook critical values 1.358 (5%) and 1.628 (1%), Q(1) = 0.27", () => {
    expect(kolmogorovQ(1.358)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(1.628)).toBeCloseTo(0.01, 3);
    expect(kolmogorovQ(1)).toBeCloseTo(0.27, 4);
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(5)).toBeLessThan(1e-20);
  });

  test("an empty sample has no statistic", () => {
    expect(Number.isNaN(ksTest([], uniform).d)).toBe(true);
  });
});

describe("distributions", () => {
  test("lnGamma at integers and one half", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  test("regularized P(a, x): closed forms for a = 1, 2, 3 and erf for a = 1/2", () => {
    for (const x of [0.01, 0.5, 1, 2, 5, 20]) {
      expect(regularizedGammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 12);
      expect(regularizedGammaP(2, x)).toBeCloseTo(1 - Math.exp(-x) * (1 + x), 12);
    }
    expect(regularizedGammaP(3, 2)).toBeCloseTo(1 - 5 * Math.exp(-2), 12); // 0.3233235838
    expect(regularizedGammaP(0.5, 1)).toBeCloseTo(0.8427007929497149, 10); // erf(1)
    expect(regularizedGammaP(0.5, 4)).toBeCloseTo(0.9953222650189527, 10); // erf(2)
    expect(regularizedGammaP(2, 0)).toBe(0);
  });

  test("gamma arrivals: shape k, mean gap 1/rate; k = 1 is the exponential", () => {
    const rate = 50;
    for (const x of [0.001, 0.01, 0.02, 0.1]) expect(gammaCdf(x, 1, rate)).toBeCloseTo(exponentialCdf(x, rate), 12);
    // k = 2, rate 50: scale 1/100, so CDF(x) = P(2, 100x); at x = 0.02: 1 − e^{−2}·3 = 0.5939941503
    expect(gammaCdf(0.02, 2, rate)).toBeCloseTo(0.5939941502901619, 10);
    // k = 4, rate 1: CDF(1) = P(4, 4) = 1 − e^{−4}(1 + 4 + 8 + 32/3) = 0.5665298796
    expect(gammaCdf(1, 4, 1)).toBeCloseTo(0.5665298796332909, 10);
    expect(gammaCdf(-1, 2, 1)).toBe(0);
    expect(exponentialCdf(Math.LN2 / 10, 10)).toBeCloseTo(0.5, 12);
  });
});
