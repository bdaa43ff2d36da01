/**
 * Is a change between two samples real? Pure functions for `aiperf compare`:
 *  - the standard normal distribution (cdf, quantile);
 *  - Mann–Whitney U (two-sided), with the tie correction of the variance and the normal
 *    approximation with continuity correction (as scipy.stats.mannwhitneyu, method="asymptotic");
 *  - a percentile bootstrap CI of the relative change of a statistic (p50, p99, mean), seeded.
 * Latencies are skewed and heavy-tailed, so neither test assumes normal data.
 */
import { createRng } from "../core/rng.ts";
import { percentileOfSorted } from "./stats.ts";

/**
 * erfc(x) for x ≥ 0 to ~1e-15 relative: the continued fraction of the upper tail for large x, the
 * Taylor series of erf for small x (split at 1.5, where both are accurate).
 */
function erfcPositive(x: number): number {
  if (x < 1.5) {
    // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let sum = x;
    let term = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated from the tail (Lentz-free).
  let f = 0;
  for (let k = 300; k >= 1; k--) f = k / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const t = erfcPositive(Math.abs(z) / Math.SQRT2) / 2;
  return z < 0 ? t : 1 - t;
}

/** The upper tail P(Z > z), exact also far out (1 − cdf would round to 0). */
export function normalSf(z: number): number {
  return normalCdf(-z);
}

/**
 * The z with P(Z ≤ z) = p: Acklam's rational approximation (relative error 1.15e-9), then one
 * Halley step on the cdf above, which brings it to machine precision.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((acc, ki) => acc * x + ki, 0);
  let z: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    z = poly(c, q) / (poly(d, q) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    z = -poly(c, q) / (poly(d, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    z = (poly(a, r) * q) / (poly(b, r) * r + 1);
  }
  const e = normalCdf(z) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((z * z) / 2);
  return z - u / (1 + (z * u) / 2);
}

type MannWhitney = {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½. */
  u1: number;
  u2: number;
  /** z of U1 with continuity correction (0 when every value ties). */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  p: number;
  /** P(x > y) + ½·P(x = y) = U1 / (n1·n2): 0.5 means no shift. */
  probabilityGreater: number;
};

/** Mann–Whitney U test of two independent samples (two-sided; each needs at least one value). */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError("Mann-Whitney U needs at least one value in each sample");
  const all = [...x.map((value) => ({ value, first: true })), ...y.map((value) => ({ value, first: false }))].sort((a, b) => a.value - b.value);
  const n = n1 + n2;
  let rankSum1 = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { value: number }).value === (all[i] as { value: number }).value) j++;
    const t = j - i + 1;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if ((all[k] as { first: boolean }).first) rankSum1 += midrank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u1 = rankSum1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  let z = 0;
  let p = 1;
  if (variance > 0) {
    const diff = u1 - mu;
    // Continuity correction towards the mean, never past it.
    z = (diff - Math.sign(diff) * Math.min(0.5, Math.abs(diff))) / Math.sqrt(variance);
    p = Math.min(1, 2 * normalSf(Math.abs(z)));
  }
  return { u1, u2, z, p, probabilityGreater: u1 / (n1 * n2) };
}

/** A statistic of a sample: a percentile ("p50", "p99") or the mean ("avg"). */
export type Statistic = "avg" | `p${number}`;

/** The statistic of ascending `sorted`. */
export function statisticOf(sorted: ArrayLike<number>, stat: Statistic): number {
  if (stat === "avg") {
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
    return sorted.length === 0 ? Number.NaN : sum / sorted.length;
  }
  return percentileOfSorted(sorted, Number(stat.slice(1)));
}

type BootstrapCI = { low: number; high: number; estimate: number };

/**
 * Percentile bootstrap CI of the relative change of `stat`, (stat(next) − stat(base)) / stat(base),
 * resampling each sample with replacement `iterations` times from a seeded stream: the same
 * inputs and seed give the same interval.
 */
export function bootstrapRelativeChange(
  base: readonly number[],
  next: readonly number[],
  stat: Statistic,
  options: { iterations: number; confidence: number; seed: number },
): BootstrapCI {
  const sortedBase = Float64Array.from(base).sort();
  const sortedNext = Float64Array.from(next).sort();
  const estimate = relative(statisticOf(sortedBase, stat), statisticOf(sortedNext, stat));
  const rng = createRng(options.seed);
  const draws = new Float64Array(options.iterations);
  const a = new Float64Array(base.length);
  const b = new Float64Array(next.length);
  for (let i = 0; i < options.iterations; i++) {
    for (let k = 0; k < a.length; k++) a[k] = sortedBase[rng.int(a.length)] as number;
    for (let k = 0; k < b.length; k++) b[k] = sortedNext[rng.int(b.length)] as number;
    draws[i] = relative(statisticOf(a.sort(), stat), statisticOf(b.sort(), stat));
  }
  const finite = draws.filter((d) => Number.isFinite(d)).sort();
  const alpha = (1 - options.confidence) / 2;
  return { low: percentileOfSorted(finite, alpha * 100), high: percentileOfSorted(finite, (1 - alpha) * 100), estimate };
}

function relative(base: number, next: number): number {
  if (base === 0) return next === 0 ? 0 : Number.NaN;
  return (next - base) / Math.abs(base);
}
