/**
 * Numbers behind the charts. Histograms, CDFs and percentile curves use every value; only
 * per-request scatter plots are thinned, for display, when they would hold too many points.
 */

/** Finite values, sorted ascending. */
export function sortedFinite(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (const x of values) if (Number.isFinite(x)) out[n++] = x;
  return out.subarray(0, n).sort();
}

/** Linear-interpolated percentile (numpy's default, as the exports use) of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

type Histogram = { centers: number[]; counts: number[]; overflow: number; width: number };

/**
 * Equal-width bins from the minimum to the p99.9 (so one outlier does not squash the rest into a
 * single bar); values above the last edge are counted in the last bin and reported as overflow.
 */
export function histogram(sorted: Float64Array, bins = 40): Histogram {
  if (sorted.length === 0) return { centers: [], counts: [], overflow: 0, width: 0 };
  const lo = sorted[0]!;
  const top = sorted[sorted.length - 1]!;
  const p999 = percentile(sorted, 99.9);
  const hi = top > lo && p999 > lo ? (top > 2 * p999 ? p999 : top) : lo + 1;
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  let overflow = 0;
  for (const x of sorted) {
    const b = Math.floor((x - lo) / width);
    if (x > hi) overflow++;
    counts[Math.min(Math.max(b, 0), bins - 1)]!++;
  }
  return { centers: counts.map((_, i) => lo + (i + 0.5) * width), counts, overflow, width };
}

/** Empirical CDF as (value, percent ≤ value) at up to `points` evenly spaced ranks, both ends kept. */
export function cdf(sorted: Float64Array, points = 500): { xs: number[]; pct: number[] } {
  const n = sorted.length;
  if (n === 0) return { xs: [], pct: [] };
  const step = Math.max(1, Math.floor(n / points));
  const xs: number[] = [];
  const pct: number[] = [];
  for (let i = 0; i < n; i += step) {
    xs.push(sorted[i]!);
    pct.push(((i + 1) / n) * 100);
  }
  if (xs.length === 0 || pct[pct.length - 1] !== 100) {
    xs.push(sorted[n - 1]!);
    pct.push(100);
  }
  return { xs, pct };
}

/** Percentile levels for percentile curves: dense in the tail, where latency problems live. */
export const CURVE_LEVELS = [1, 5, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92, 94, 95, 96, 97, 98, 99, 99.5, 99.9, 100];

/**
 * Row indices to draw for a scatter of `n` rows in x order: all of them up to `max`, else per
 * bucket of rows the first, and the minimum and maximum of each of `keys`, so spikes and dips
 * stay visible. Display only.
 */
export function thinRows(n: number, keys: readonly (readonly number[])[], max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const perBucket = 1 + 2 * keys.length;
  const buckets = Math.max(1, Math.floor(max / perBucket));
  const size = Math.ceil(n / buckets);
  const out: number[] = [];
  for (let b = 0; b < n; b += size) {
    const end = Math.min(n, b + size);
    const pick = new Set<number>([b]);
    for (const col of keys) {
      let lo = -1;
      let hi = -1;
      for (let i = b; i < end; i++) {
        const x = col[i]!;
        if (!Number.isFinite(x)) continue;
        if (lo === -1 || x < col[lo]!) lo = i;
        if (hi === -1 || x > col[hi]!) hi = i;
      }
      if (lo !== -1) pick.add(lo);
      if (hi !== -1) pick.add(hi);
    }
    out.push(...[...pick].sort((a, c) => a - c));
  }
  return out;
}

/** A bucket width for ~`target` buckets over `span` seconds: 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, target = 100): number {
  const raw = Math.max(span / target, 1e-3);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** NaN → null, the gap uPlot leaves undrawn; rounded to keep the inlined JSON small. */
export function gap(x: number): number | null {
  return Number.isFinite(x) ? round(x) : null;
}

export function round(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const digits = Math.max(0, 5 - Math.ceil(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 9)));
}

/** Largest finite value (a loop: spreading a million values into Math.max overflows the stack). */
export function maxOf(values: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of values) if (x > m) m = x;
  return m;
}
