/**
 * Statistics over one metric's values (reference/aiperf-features.md §5.3): mean, min, max, linear
 * percentiles and POPULATION std, computed the way numpy computes them so the numbers match
 * upstream's to the last bit: pairwise summation for sums, numpy's two-sided lerp for percentiles.
 */
import { STAT_KEYS, type StatKey } from "../protocol/records-summary.ts";

/** Growable Float64Array: per-record values without one object per record. */
export class Float64Series {
  #data: Float64Array;
  #size = 0;
  #sum = 0;

  constructor(initialCapacity = 1024) {
    this.#data = new Float64Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.#size;
  }

  /** Running sum in insertion order (upstream's MetricArray.sum, used by the total_* metrics). */
  get sum(): number {
    return this.#sum;
  }

  push(value: number): void {
    if (this.#size === this.#data.length) this.#grow(this.#size + 1);
    this.#data[this.#size++] = value;
    this.#sum += value;
  }

  pushAll(values: ArrayLike<number>): void {
    if (this.#size + values.length > this.#data.length) this.#grow(this.#size + values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      this.#data[this.#size++] = v;
      this.#sum += v;
    }
  }

  /** A view of the filled part; it shares memory, so copy before sorting. */
  view(): Float64Array {
    return this.#data.subarray(0, this.#size);
  }

  #grow(needed: number): void {
    const next = new Float64Array(Math.max(this.#data.length * 2, needed));
    next.set(this.#data.subarray(0, this.#size));
    this.#data = next;
  }
}

export { STAT_KEYS, type StatKey };
export const PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99] as const;

export type SeriesStats = Record<StatKey, number> & { count: number };

const PAIRWISE_BLOCK = 128;

/**
 * numpy's pairwise summation (`DOUBLE_pairwise_sum`): plain loop under 8 values, eight
 * interleaved accumulators up to 128, halves (on a multiple of 8) above.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i] as number;
    return res;
  }
  if (n <= PAIRWISE_BLOCK) {
    const at = (i: number): number => a[start + i] as number;
    let [r0, r1, r2, r3, r4, r5, r6, r7] = [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r0 += at(i);
      r1 += at(i + 1);
      r2 += at(i + 2);
      r3 += at(i + 3);
      r4 += at(i + 4);
      r5 += at(i + 5);
      r6 += at(i + 6);
      r7 += at(i + 7);
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += at(i);
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

/**
 * Linear-interpolated percentile of ascending `sorted` (numpy's default method): index
 * (n − 1)·p/100, then numpy's lerp, which computes from the upper neighbour when the weight is
 * ≥ 0.5 — e.g. p95 of [1,2,3,4] is 3.8499999999999996 in numpy, and here.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const virtualIndex = (n - 1) * (p / 100);
  if (virtualIndex >= n - 1) return sorted[n - 1] as number;
  if (virtualIndex <= 0) return sorted[0] as number;
  const below = Math.floor(virtualIndex);
  const gamma = virtualIndex - below;
  const a = sorted[below] as number;
  const b = sorted[below + 1] as number;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Percentile of unsorted values (sorts a copy). */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}

/** Population standard deviation (numpy `std`, ddof = 0): two passes, pairwise sums. */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const mean = pairwiseSum(values) / n;
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    squares[i] = d * d;
  }
  return Math.sqrt(pairwiseSum(squares) / n);
}

/** Every statistic of `values` (must be non-empty); `values` is left untouched. */
export function summarizeSeries(values: ArrayLike<number>): SeriesStats {
  const n = values.length;
  if (n === 0) throw new Error("summarizeSeries needs at least one value");
  const sorted = Float64Array.from(values).sort();
  const [p1, p5, p10, p25, p50, p75, p90, p95, p99] = PERCENTILES.map((p) => percentileOfSorted(sorted, p)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    avg: pairwiseSum(values) / n,
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    p1,
    p5,
    p10,
    p25,
    p50,
    p75,
    p90,
    p95,
    p99,
    std: populationStd(values),
    count: n,
  };
}
