/**
 * Statistics over one metric's values (reference/aiperf-features.md §5.3): mean, min, max, linear
 * percentiles and POPULATION std, computed the way numpy computes them so the numbers match
 * upstream's to the last bit: pairwise summation for sums, numpy's two-sided lerp for percentiles.
 */
import { STAT_KEYS, type StatKey } from "../protocol/records-summary.ts";

/**
 * Largest block of a series, in values (512 KiB). A series grows by doubling up to this size and
 * then by whole blocks that are never copied or freed: a doubling array of n values leaves freed
 * arrays of n/2, n/4, … behind, which the allocator keeps (MIMALLOC_PURGE_DELAY=-1) and cannot
 * reuse for the next, larger array; with ~25 series per run that was ~0.5 KB of resident memory per
 * request in the records service (docs/client-efficiency.md, seventh pass).
 */
const BLOCK = 65_536;

/** Growable Float64Array: per-record values without one object per record. */
export class Float64Series {
  /** Full blocks of BLOCK values each, then #data, the block being filled. */
  #blocks: Float64Array[] = [];
  #data: Float64Array;
  #used = 0;
  #sum = 0;

  constructor(initialCapacity = 1024) {
    this.#data = new Float64Array(Math.min(BLOCK, Math.max(1, initialCapacity)));
  }

  get length(): number {
    return this.#blocks.length * BLOCK + this.#used;
  }

  /** Running sum in insertion order (upstream's MetricArray.sum, used by the total_* metrics). */
  get sum(): number {
    return this.#sum;
  }

  push(value: number): void {
    if (this.#used === this.#data.length) this.#grow();
    this.#data[this.#used++] = value;
    this.#sum += value;
  }

  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i] as number);
  }

  /**
   * The values in insertion order: the filled part of the only block (shared memory, so copy
   * before sorting), or one new array when the series spans several blocks.
   */
  view(): Float64Array {
    if (this.#blocks.length === 0) return this.#data.subarray(0, this.#used);
    const out = new Float64Array(this.length);
    let at = 0;
    for (const b of this.#blocks) {
      out.set(b, at);
      at += BLOCK;
    }
    out.set(this.#data.subarray(0, this.#used), at);
    return out;
  }

  /** summarizeSeries of the values, read straight from the blocks (no contiguous copy). */
  stats(): SeriesStats {
    const n = this.length;
    if (n === 0) throw new Error("summarizeSeries needs at least one value");
    const values = scratch(0, n);
    let at = 0;
    for (const b of this.#blocks) {
      values.set(b, at);
      at += BLOCK;
    }
    values.set(this.#data.subarray(0, this.#used), at);
    return statsOfScratch(values);
  }

  /** The values sorted ascending, in a new array. */
  sortedCopy(): Float64Array {
    return (this.#blocks.length === 0 ? this.#data.slice(0, this.#used) : this.view()).sort();
  }

  #grow(): void {
    if (this.#data.length === BLOCK) {
      this.#blocks.push(this.#data);
      this.#data = new Float64Array(BLOCK);
      this.#used = 0;
      return;
    }
    const next = new Float64Array(Math.min(BLOCK, this.#data.length * 2));
    next.set(this.#data.subarray(0, this.#used));
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
  return stdInto(values, new Float64Array(values.length));
}

/** populationStd with the squared deviations written into `scratch` (as long as `values`). */
function stdInto(values: ArrayLike<number>, scratch: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const mean = pairwiseSum(values) / n;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    scratch[i] = d * d;
  }
  return Math.sqrt(pairwiseSum(scratch) / n);
}

/**
 * Two arrays reused by every summary in the process: at 1 M requests a series is 8 MB, and the
 * end of a run summarises ~20 of them; with a fresh sorted copy and a fresh array of squares per
 * series, the collector had not run before the last one, and the records service's resident
 * memory rose by ~175 MiB at the end of a 1 M-request run. The summary is synchronous and keeps
 * nothing of them, so reuse is safe.
 */
const scratches = [new Float64Array(0), new Float64Array(0)];

/** Scratch array `i` (0: values, 1: squares), at least `n` long, as a view of exactly `n`. */
function scratch(i: 0 | 1, n: number): Float64Array {
  let a = scratches[i] as Float64Array;
  if (a.length < n) scratches[i] = a = new Float64Array(Math.max(n, a.length * 2));
  return a.subarray(0, n);
}

/** Every statistic of `values` (must be non-empty); `values` is left untouched. */
export function summarizeSeries(values: ArrayLike<number>): SeriesStats {
  const n = values.length;
  if (n === 0) throw new Error("summarizeSeries needs at least one value");
  const copy = scratch(0, n);
  copy.set(values);
  return statsOfScratch(copy);
}

/** The statistics of scratch 0's values in insertion order; sorts them in place. */
function statsOfScratch(values: Float64Array): SeriesStats {
  const n = values.length;
  // Sums in insertion order first (numpy's bits), then the sort.
  const avg = pairwiseSum(values) / n;
  const std = stdInto(values, scratch(1, n));
  const sorted = values.sort();
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
    avg,
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
    std,
    count: n,
  };
}
