/**
 * Statistics against numpy. Every expected value was worked out by hand (shown in the comments)
 * and agrees with numpy 2.x `np.percentile(a, q)` (method "linear") / `np.mean` / `np.std`
 * (ddof = 0); where numpy's float rounding shows, the numpy digits are the expectation.
 */
import { describe, expect, test } from "bun:test";
import { Float64Series, pairwiseSum, percentile, percentileOfSorted, PERCENTILES, populationStd, summarizeSeries } from "../../src/metrics/index.ts";

describe("percentile (numpy linear)", () => {
  test("np.percentile([1,2,3,4], 90) = 3.7", () => {
    // index (n−1)·0.9 = 2.7 → between a[2]=3 and a[3]=4 with weight 0.7 ≥ 0.5, so numpy computes
    // from the upper side: 4 − (4−3)·(1−0.7) = 3.7.
    expect(percentile([1, 2, 3, 4], 90)).toBe(3.7);
  });

  test("all nine percentiles of [1,2,3,4], numpy's bits included", () => {
    // p1: idx 0.03 → 1 + 0.03 = 1.03; p5: 0.15 → 1.15; p10: 0.3 → 1.3; p25: 0.75 → 1.75;
    // p50: 1.5 → 2.5; p75: 2.25 → 3.25; p90: 2.7 → 3.7;
    // p95: 2.85 → 4 − 1·(1 − 0.85) where 1 − 0.85 = 0.15000000000000002 → 3.8499999999999996;
    // p99: 2.97 → 4 − 1·0.030000000000000027 = 3.9699999999999998.
    const got = PERCENTILES.map((p) => percentile([1, 2, 3, 4], p));
    expect(got).toEqual([1.03, 1.15, 1.3, 1.75, 2.5, 3.25, 3.7, 3.8499999999999996, 3.9699999999999998]);
  });

  test("unsorted input with duplicates: [7,1,3,3,10]", () => {
    // sorted [1,3,3,7,10], index = 4·p/100:
    // p1 0.04 → 1 + 2·0.04 = 1.08; p5 0.2 → 1.4; p10 0.4 → 1.8; p25 1 → 3; p50 2 → 3; p75 3 → 7;
    // p90 3.6 → 10 − 3·0.4 = 8.8; p95 3.8 → 10 − 3·0.2 (0.19999999999999996) = 9.399999999999999;
    // p99 3.96 → 10 − 3·0.04 = 9.879999999999999.
    const got = PERCENTILES.map((p) => percentile([7, 1, 3, 3, 10], p));
    expect(got).toEqual([1.08, 1.4, 1.8, 3, 3, 7, 8.8, 9.399999999999999, 9.879999999999999]);
  });

  test("[15,20,35,40,50]", () => {
    // index 4·p/100: p1 → 15 + 5·0.04 = 15.2; p5 → 15 + 5·0.2 = 16; p10 → 17; p25 → 20; p50 → 35;
    // p75 → 40; p90 3.6 → 50 − 10·0.4 = 46; p95 3.8 → 48; p99 3.96 → 49.6.
    const got = PERCENTILES.map((p) => percentile([15, 20, 35, 40, 50], p));
    expect(got).toEqual([15.2, 16, 17, 20, 35, 40, 46, 48, 49.6]);
  });

  test("edges: one value, p0 and p100", () => {
    expect(percentile([42], 1)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
    expect(percentileOfSorted([1, 2, 3], 0)).toBe(1);
    expect(percentileOfSorted([1, 2, 3], 100)).toBe(3);
    expect(percentileOfSorted([], 50)).toBeNaN();
  });
});

describe("mean and population std", () => {
  test("[15,20,35,40,50]: mean 32, std √166", () => {
    // deviations −17, −12, 3, 8, 18 → squares 289 + 144 + 9 + 64 + 324 = 830 → /5 = 166 (ddof 0).
    const s = summarizeSeries([15, 20, 35, 40, 50]);
    expect(s.avg).toBe(32);
    expect(s.std).toBe(Math.sqrt(166));
    expect(s.std).toBe(12.884098726725126);
    expect(s).toMatchObject({ min: 15, max: 50, count: 5, p50: 35 });
  });

  test("[7,1,3,3,10]: mean 4.8, std √10.56", () => {
    // deviations −3.8, −1.8, −1.8, 2.2, 5.2 → 14.44 + 3.24 + 3.24 + 4.84 + 27.04 = 52.8 → /5 = 10.56.
    expect(summarizeSeries([7, 1, 3, 3, 10]).avg).toBe(4.8);
    expect(populationStd([7, 1, 3, 3, 10])).toBe(3.249615361854384);
  });

  test("one value: every statistic is that value, std 0", () => {
    const s = summarizeSeries([5]);
    expect(s).toEqual({ avg: 5, min: 5, max: 5, p1: 5, p5: 5, p10: 5, p25: 5, p50: 5, p75: 5, p90: 5, p95: 5, p99: 5, std: 0, count: 1 });
  });

  test("sums pairwise like numpy (naive left-to-right differs in the last digits)", () => {
    // a[i] = 1e9/(i+1), 300 values: numpy's mean is 20942212.934331678; a plain running sum
    // gives 20942212.934331693. Both are numpy/Python outputs for this exact vector.
    const a = Array.from({ length: 300 }, (_, i) => 1e9 / (i + 1));
    let naive = 0;
    for (const v of a) naive += v;
    expect(naive / 300).toBe(20942212.934331693);
    const s = summarizeSeries(a);
    expect(s.avg).toBe(20942212.934331678);
    expect(s.std).toBe(70946773.43195522);
    expect(s.p50).toBe(6644591.611479029);
    expect(s.p95).toBe(62708333.33333338);
    expect(s.p99).toBe(250833333.33333257);
  });

  test("pairwise sum: short, block and split paths", () => {
    expect(pairwiseSum([])).toBe(0);
    expect(pairwiseSum([1, 2, 3])).toBe(6);
    const ints = Array.from({ length: 1000 }, (_, i) => i);
    expect(pairwiseSum(ints)).toBe(499500); // exact for integers on every path
    expect(pairwiseSum(Array.from({ length: 1000 }, (_, i) => 0.1 * i)) / 1000).toBe(49.95);
  });

  test("summarizeSeries refuses an empty series", () => {
    expect(() => summarizeSeries([])).toThrow();
  });
});

/** The statistics as the code before the shared scratch arrays computed them: fresh copies, numpy's order of operations. */
function referenceStats(values: number[]): ReturnType<typeof summarizeSeries> {
  const sorted = Float64Array.from(values).sort();
  const n = values.length;
  const out: Record<string, number> = { avg: pairwiseSum(values) / n, min: sorted[0] as number, max: sorted[n - 1] as number };
  for (const p of PERCENTILES) out[`p${p}`] = percentileOfSorted(sorted, p);
  out.std = populationStd(values);
  out.count = n;
  return out as ReturnType<typeof summarizeSeries>;
}

describe("Float64Series", () => {
  test("grows past its capacity and keeps a running sum", () => {
    const s = new Float64Series(2);
    for (let i = 1; i <= 10; i++) s.push(i);
    s.pushAll([100, 200]);
    expect(s.length).toBe(12);
    expect(s.sum).toBe(355);
    expect([...s.view()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 200]);
  });

  test("summarising does not reorder the stored values", () => {
    const s = new Float64Series();
    s.pushAll([3, 1, 2]);
    summarizeSeries(s.view());
    expect([...s.view()]).toEqual([3, 1, 2]);
  });

  test("past one block (65,536 values) the values, their order, sum and statistics are a plain array's", () => {
    const s = new Float64Series();
    const plain: number[] = [];
    // 2.5 blocks, pushed one by one and in runs that straddle block ends.
    for (let i = 0; i < 163_840; i++) {
      const v = ((i * 7919) % 10_007) / 7 - 300;
      plain.push(v);
      if (i % 3 === 0) s.pushAll([v]);
      else s.push(v);
    }
    const run = [1.5, -2.25, 1e9, 3];
    s.pushAll(run);
    plain.push(...run);
    expect(s.length).toBe(plain.length);
    let sum = 0;
    for (const v of plain) sum += v;
    expect(s.sum).toBe(sum);
    expect(Array.from(s.view())).toEqual(plain);
    expect(summarizeSeries(s.view())).toEqual(summarizeSeries(Float64Array.from(plain)));
    // Read from the blocks, and with the shared scratch arrays reused by a smaller summary between.
    const whole = s.stats();
    expect(summarizeSeries([5, 1, 3])).toEqual(summarizeSeries(Float64Array.from([5, 1, 3])));
    expect(whole).toEqual(s.stats());
    expect(whole).toEqual(referenceStats(plain));
    expect(Array.from(s.sortedCopy())).toEqual(Array.from(Float64Array.from(plain).sort()));
    expect(Array.from(s.view())).toEqual(plain);
  });

  test("stats() of a one-block series equals summarizeSeries and leaves the values in order", () => {
    const s = new Float64Series();
    s.pushAll([3, Number.NaN, -1, 2.5, 2.5, 1e-300]);
    expect(s.stats()).toEqual(referenceStats([3, Number.NaN, -1, 2.5, 2.5, 1e-300]));
    expect(Array.from(s.view())).toEqual([3, Number.NaN, -1, 2.5, 2.5, 1e-300]);
    expect(Array.from(s.sortedCopy())).toEqual([-1, 1e-300, 2.5, 2.5, 3, Number.NaN]);
  });
});
