import { expect, test } from "bun:test";
import { checkSla } from "../../src/api/index.ts";

const report = {
  time_to_first_token: { unit: "ms", avg: 40, p50: 35, p99: 120, min: 20, max: 150, std: 10 },
  request_throughput: { unit: "requests/sec", avg: 48 },
  output_token_throughput_per_user: { unit: "tokens/sec/user", avg: 60, min: 18, p50: 61 },
};

test("a report that meets every bound has no violations", () => {
  expect(checkSla(report, { time_to_first_token: { p99: 120, avg: 50, max: 150 }, request_throughput: { min: 48 } })).toEqual([]);
});

test("statistics are upper bounds, min is a lower bound, each violation says by how much", () => {
  const v = checkSla(report, { time_to_first_token: { p99: 100 }, request_throughput: { min: 50 }, output_token_throughput_per_user: { min: 20 } });
  expect(v.map((x) => [x.metric, x.stat, x.kind, x.actual, x.bound])).toEqual([
    ["time_to_first_token", "p99", "above", 120, 100],
    ["request_throughput", "min", "below", 48, 50],
    ["output_token_throughput_per_user", "min", "below", 18, 20],
  ]);
  expect(v[0]?.message).toBe("time_to_first_token.p99 = 120 ms, above the bound ≤ 100 ms");
  expect(v[1]?.message).toBe("request_throughput.min = 48 requests/sec, below the bound ≥ 50 requests/sec");
});

test("a single-valued metric is judged on its value whatever the statistic; an absent metric or statistic is a violation", () => {
  expect(checkSla(report, { request_throughput: { p99: 40 } })[0]).toMatchObject({ kind: "above", actual: 48 });
  expect(checkSla(report, { inter_token_latency: { p99: 5 } })[0]).toMatchObject({
    kind: "missing",
    actual: null,
    message: "inter_token_latency.p99: not in the report (bound ≤ 5)",
  });
  expect(checkSla(report, { output_token_throughput_per_user: { p90: 70 } })[0]).toMatchObject({ kind: "missing" });
});

test("a bound that is not a finite number is a programming error, thrown at once", () => {
  expect(() => checkSla(report, { time_to_first_token: { p99: Number.NaN } })).toThrow(
    "checkSla: the bound time_to_first_token.p99 must be a finite number, got NaN",
  );
});
