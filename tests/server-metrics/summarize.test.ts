import { expect, test } from "bun:test";
import type { EndpointData, Snapshot } from "../../src/server-metrics/collector.ts";
import { bucketPercentile, summarizeEndpoint, windowEdges } from "../../src/server-metrics/summarize.ts";

const snap = (t: number, metrics: Record<string, unknown>, baseline?: boolean): Snapshot => ({
  timestampNs: t,
  latencyNs: 1,
  metricsJson: JSON.stringify(metrics),
  ...(baseline ? { baseline } : {}),
});

test("window edges: the marked baseline (else the last before start) and the first snapshot after the end", () => {
  const s = [snap(10, {}), snap(20, {}), snap(30, {}), snap(40, {}), snap(50, {})];
  expect(windowEdges(s, 25, 35)).toEqual({ first: 1, last: 3 });
  expect(windowEdges(s, 5, 100)).toEqual({ first: 0, last: 4 });
  expect(windowEdges(s)).toEqual({ first: 0, last: 4 });
  s[2] = snap(30, {}, true);
  expect(windowEdges(s, 25, 35)).toEqual({ first: 2, last: 3 });
  expect(windowEdges([], 1, 2)).toBeUndefined();
});

test("bucket percentiles interpolate inside the bucket and stop at the last finite bound", () => {
  const b = { "0.1": 10, "0.2": 20, "+Inf": 30 };
  expect(bucketPercentile(b, 50)).toBeCloseTo(0.15, 12);
  expect(bucketPercentile(b, 10)).toBeCloseTo(0.03, 12);
  expect(bucketPercentile(b, 99)).toBe(0.2);
  expect(Number.isNaN(bucketPercentile({ "+Inf": 0 }, 50))).toBe(true);
});

test("counter reset, gauges inside the window only, summaries keep their last quantiles", () => {
  const data: EndpointData = {
    url: "http://x/metrics",
    types: new Map([
      ["c", "counter"],
      ["g", "gauge"],
      ["s", "summary"],
    ]),
    help: new Map([["g", "a gauge"]]),
    errors: 0,
    skippedLines: 0,
    snapshots: [
      snap(0, { c: [{ value: 100 }], g: [{ value: 50 }], s: [{ summary: { "0.5": 1 }, sum: 10, count: 5 }] }),
      snap(1e9, { c: [{ value: 103 }], g: [{ value: 2 }], s: [{ summary: { "0.5": 1 }, sum: 10, count: 5 }] }),
      snap(2e9, { c: [{ value: 4 }], g: [{ value: 4 }], s: [{ summary: { "0.5": 2 }, sum: 16, count: 8 }] }),
      snap(3e9, { c: [{ value: 7 }], g: [{ value: 99 }], s: [{ summary: { "0.5": 3 }, sum: 20, count: 10 }] }),
    ],
  };
  const out = summarizeEndpoint(data, 0.5e9, 2.5e9);
  expect(out.window).toEqual({ start_ns: 0.5e9, end_ns: 2.5e9, duration_s: 2 });
  expect(out.metrics.c?.series[0]).toMatchObject({ start: 100, end: 7, delta: 7, rate_per_s: 3.5 });
  expect(out.metrics.g?.help).toBe("a gauge");
  expect(out.metrics.g?.series[0]?.stats).toMatchObject({ avg: 3, min: 2, max: 4, count: 2 });
  expect(out.metrics.s?.series[0]).toMatchObject({ count_delta: 5, sum_delta: 10, mean: 2, quantiles: { "0.5": 3 } });
});
