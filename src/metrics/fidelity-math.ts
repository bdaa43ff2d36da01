/**
 * Pure math for the arrival-fidelity check: the one-sample Kolmogorov–Smirnov test, the
 * distributions it tests against (exponential, gamma), and the special functions they need.
 * No I/O, no run state; arrival-fidelity.ts applies it to a run.
 */

/** Result of a one-sample KS test: the statistic D and its (asymptotic) p-value. */
type KsResult = { n: number; d: number; pValue: number };

/**
 * One-sample KS test of `sorted` (ascending) against the continuous CDF `cdf`:
 * D = max_i max(i/n − F(x_i), F(x_i) − (i−1)/n). The p-value is the Kolmogorov distribution's
 * tail at Stephens' corrected statistic (√n + 0.12 + 0.11/√n)·D, good to about 1% for n ≥ 5.
 */
export function ksTest(sorted: ArrayLike<number>, cdf: (x: number) => number): KsResult {
  const n = sorted.length;
  if (n === 0) return { n, d: Number.NaN, pValue: Number.NaN };
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i] as number);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  const sq = Math.sqrt(n);
  return { n, d, pValue: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d) };
}

/** P(K > λ) for the Kolmogorov distribution: 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}, clamped to [0, 1]. */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda > 0)) return 1;
  // Below ~0.3 the alternating series converges too slowly to sum, and Q is 1 to 9 digits.
  if (lambda < 0.3) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += sign * term;
    if (term < 1e-16) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** CDF of the exponential distribution with `rate` events per unit. */
export function exponentialCdf(x: number, rate: number): number {
  return x <= 0 ? 0 : 1 - Math.exp(-rate * x);
}

/**
 * CDF of the gamma distribution with shape k and the given mean rate (scale 1/(k·rate), so the
 * mean gap is 1/rate whatever k; k = 1 is the exponential). This is upstream's gamma arrivals.
 */
export function gammaCdf(x: number, shape: number, rate: number): number {
  return x <= 0 ? 0 : regularizedGammaP(shape, x * shape * rate);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~15 digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized lower incomplete gamma function P(a, x) (series below a+1, continued fraction above). */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (!Number.isFinite(x)) return 1;
  const lnPrefix = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.min(1, sum * Math.exp(lnPrefix));
  }
  // Lentz's continued fraction for Q(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - Math.exp(lnPrefix) * h);
}
