/** --request-rate-series: the file's shape and rules, the piecewise-linear rate, and arrivals that follow it. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { readRateSeries } from "../../src/config/rate-series.ts";
import { type ResolvedProfile, resolveProfile } from "../../src/config/resolve.ts";
import { seriesRate } from "../../src/services/timing/arrivals.ts";
import { BASE_PLAN, ofPhase, simulate, started } from "./harness.ts";

const MS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), "aiperf-rate-series-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const GOOD = file("good.json", '{"points":[{"time_s":0,"qps":1},{"time_s":60,"qps":7},{"time_s":120,"qps":40}]}');

function resolve(...args: string[]): ResolvedProfile {
  const { input } = readProfileArgs(["-m", "m", ...args]);
  return resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {});
}

describe("the series file", () => {
  test("upstream's shape reads into points", () => {
    expect(readRateSeries(GOOD)).toEqual([
      { timeSec: 0, rate: 1 },
      { timeSec: 60, rate: 7 },
      { timeSec: 120, rate: 40 },
    ]);
  });

  test.each([
    ["missing.json", null, "cannot be read"],
    ["text.json", "not json", "is not JSON"],
    ["empty.json", '{"points":[]}', 'needs a non-empty "points" array'],
    ["notime.json", '{"points":[{"qps":1}]}', "points[0].time_s must be a number of seconds, at least 0"],
    ["zero.json", '{"points":[{"time_s":0,"qps":0}]}', "points[0].qps must be a number greater than 0"],
    ["order.json", '{"points":[{"time_s":5,"qps":1},{"time_s":5,"qps":2}]}', "points[1].time_s 5 must be greater than the previous point's 5"],
  ])("%s is rejected, naming the flag and the rule", (name, text, rule) => {
    const path = text === null ? join(dir, name) : file(name, text);
    expect(() => readRateSeries(path)).toThrow(`Invalid value ${JSON.stringify(path)} for --request-rate-series: the file ${rule}`);
    expect(() => resolve("--request-rate-series", path)).toThrow(rule);
  });

  test("resolves to poisson by default, or the given pattern, with no default concurrency", () => {
    expect(resolve("--request-rate-series", GOOD)).toMatchObject({ rateMode: "poisson", concurrency: undefined, requestRateSeries: GOOD });
    expect(resolve("--request-rate-series", GOOD, "--arrival-pattern", "constant").rateMode).toBe("constant");
    expect(resolve("--request-rate-series", GOOD, "--arrival-smoothness", "3").rateMode).toBe("gamma");
  });

  test.each([
    [["--request-rate", "5"], "--request-rate-series cannot be used with --request-rate"],
    [["--user-centric-rate", "2", "--num-users", "2", "--session-turns-mean", "2"], "--request-rate-series cannot be used with --user-centric-rate"],
    [["--arrival-pattern", "concurrency_burst"], "concurrency_burst cannot be used with --request-rate-series"],
    [["--request-rate-ramp-duration", "3"], "--request-rate-ramp-duration needs --request-rate"],
    [["--fixed-schedule", "--input-file", GOOD], "--request-rate-series cannot be used with a fixed schedule"],
  ])("with %p it is rejected", (args, message) => {
    expect(() => resolve("--request-rate-series", GOOD, ...args)).toThrow(message);
  });
});

describe("the rate", () => {
  test("is linear between points, the first point's before and the last point's after", () => {
    const points = [
      { timeSec: 1, rate: 10 },
      { timeSec: 3, rate: 30 },
      { timeSec: 4, rate: 5 },
    ];
    expect([0, 1, 2, 2.5, 3, 3.5, 4, 9].map((t) => seriesRate(points, t * 1e9))).toEqual([10, 10, 20, 25, 30, 17.5, 5, 5]);
  });

  test("constant arrivals follow it: each gap is 1/rate where it starts", async () => {
    const rateSeries = [
      { timeSec: 0, rate: 10 },
      { timeSec: 1, rate: 20 },
    ];
    const r = await simulate({ ...BASE_PLAN, rateMode: "constant", rateSeries, durationSec: 2, graceSec: 1 }, { serviceNs: () => MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    const at = ofPhase(r.sent, "profiling").map((s) => (s.credit.intendedNs - start) / 1e9);
    // 0, then 1/10 s; at 0.1 s the rate is 11, so the next gap is 1/11 s.
    expect(at[0]).toBe(0);
    expect(at[1]).toBeCloseTo(0.1, 6);
    expect((at[2] as number) - (at[1] as number)).toBeCloseTo(1 / 11, 6);
    // About ∫ rate: ~15 in the first second (10 → 20), 20 in the second (held after the last point).
    const first = at.filter((t) => t < 1).length;
    const second = at.filter((t) => t >= 1 && t <= 2).length;
    expect(first).toBeGreaterThanOrEqual(14);
    expect(first).toBeLessThanOrEqual(16);
    expect(second).toBeGreaterThanOrEqual(20);
    expect(second).toBeLessThanOrEqual(21);
  });

  test("warmup does not replay the series: a closed loop at concurrency 1", async () => {
    const rateSeries = [{ timeSec: 0, rate: 100 }];
    const r = await simulate({ ...BASE_PLAN, rateMode: "poisson", rateSeries, requestCount: 5, warmupRequestCount: 3 }, { serviceNs: () => 7 * MS });
    const warmup = r.result.phases[0];
    expect(started(ofPhase(r.sent, "warmup")).map((s) => (s.startedNs - (warmup?.startNs ?? 0)) / MS)).toEqual([0, 7, 14]);
    expect(r.result.phases[1]).toMatchObject({ phase: "profiling", sent: 5, completed: 5 });
  });
});
