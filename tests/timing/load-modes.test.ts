/** The load-mode flags through parse and resolve: mode resolution and every cross-flag rule's message. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstLineHasTimestamp } from "../../src/config/load-modes.ts";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../../src/config/resolve.ts";
import { wireGraceSec } from "../../src/controller/timing-plan.ts";
import { parseTimingPlan } from "../../src/protocol/timing-plan.ts";
import { profilingStop } from "../../src/services/timing/phase.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-load-modes-"));
const TIMED = join(dir, "timed.jsonl");
writeFileSync(TIMED, '\n{"timestamp": 1000, "input_length": 10, "output_length": 5}\n{"timestamp": 1500, "input_length": 10, "output_length": 5}\n');
const UNTIMED = join(dir, "untimed.jsonl");
writeFileSync(UNTIMED, '{"input_length": 10, "output_length": 5}\n');
const LONG = join(dir, "long.jsonl");
writeFileSync(LONG, `{"timestamp": 5, "text_input": "${"x".repeat(100_000)}"}\n`);

function resolve(...args: string[]): ResolvedProfile {
  const { input } = readProfileArgs(["-m", "m", ...args]);
  return resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {});
}

const mooncake = (file: string) => ["--input-file", file, "--custom-dataset-type", "mooncake_trace"];

describe("mode resolution", () => {
  test("--arrival-pattern is --request-rate-mode; --arrival-smoothness / --vllm-burstiness imply gamma", () => {
    expect(resolve("--request-rate", "5", "--arrival-pattern", "constant").rateMode).toBe("constant");
    expect(resolve("--request-rate", "5", "--request-rate-mode", "gamma").rateMode).toBe("gamma");
    const g = resolve("--request-rate", "5", "--arrival-smoothness", "4");
    expect(g).toMatchObject({ rateMode: "gamma", arrivalSmoothness: 4 });
    expect(resolve("--request-rate", "5", "--vllm-burstiness", "0.5").rateMode).toBe("gamma");
    expect(resolve("--request-rate", "5").rateMode).toBe("poisson");
    expect(resolve().rateMode).toBe("concurrency_burst");
  });

  test("a mooncake trace with timestamps is a fixed schedule unless --no-fixed-schedule; its count is the schedule's", () => {
    const auto = resolve(...mooncake(TIMED));
    expect(auto).toMatchObject({
      fixedSchedule: true,
      fixedScheduleAuto: true,
      requestCount: undefined,
      requestCountFromDataset: false,
      concurrency: undefined,
    });
    expect(resolve(...mooncake(TIMED), "--no-fixed-schedule")).toMatchObject({ fixedSchedule: false, requestCountFromDataset: true, concurrency: 1 });
    expect(resolve(...mooncake(UNTIMED)).fixedSchedule).toBe(false);
    expect(resolve(...mooncake(TIMED), "--fixed-schedule", "--request-count", "1")).toMatchObject({
      fixedSchedule: true,
      fixedScheduleAuto: false,
      requestCount: 1,
    });
    expect(resolve(...mooncake(TIMED), "--concurrency", "2", "--fixed-schedule-start-offset", "1000", "--fixed-schedule-end-offset", "1200")).toMatchObject({
      concurrency: 2,
      fixedScheduleStartOffset: 1000,
      fixedScheduleEndOffset: 1200,
    });
  });

  test("auto-detection reads only the first non-empty line, even a very long one", () => {
    expect(firstLineHasTimestamp(TIMED)).toBe(true);
    expect(firstLineHasTimestamp(UNTIMED)).toBe(false);
    expect(firstLineHasTimestamp(LONG)).toBe(true);
    expect(firstLineHasTimestamp(join(dir, "missing.jsonl"))).toBe(false);
  });

  test("--benchmark-grace-period / --warmup-grace-period take inf; user-centric duration runs default to no limit", () => {
    expect(resolve("--benchmark-duration", "5", "--benchmark-grace-period", "inf").benchmarkGracePeriod).toBe(Number.POSITIVE_INFINITY);
    expect(resolve("--benchmark-duration", "5", "--benchmark-grace-period=Infinity").benchmarkGracePeriod).toBe(Number.POSITIVE_INFINITY);
    expect(resolve("--warmup-duration", "1", "--warmup-grace-period", "INF").warmupGracePeriod).toBe(Number.POSITIVE_INFINITY);
    expect(resolve("--benchmark-duration", "5").benchmarkGracePeriod).toBe(30);
    const users = ["--user-centric-rate", "4", "--num-users", "8", "--session-turns-mean", "3", "--benchmark-duration", "5"];
    expect(resolve(...users).benchmarkGracePeriod).toBe(Number.POSITIVE_INFINITY);
    expect(resolve(...users, "--benchmark-grace-period", "2").benchmarkGracePeriod).toBe(2);
    // On the wire (JSON) no limit is null; timing reads null as no limit.
    expect([wireGraceSec(Number.POSITIVE_INFINITY), wireGraceSec(2), wireGraceSec(undefined)]).toEqual([null, 2, undefined]);
    const plan = parseTimingPlan(
      JSON.parse(
        JSON.stringify({
          workers: ["w"],
          rateMode: "concurrency_burst",
          concurrency: 1,
          conversations: 1,
          durationSec: 1,
          graceSec: wireGraceSec(Number.POSITIVE_INFINITY),
        }),
      ),
    );
    expect(profilingStop(plan)).toEqual({ kind: "duration", durationNs: 1e9, graceNs: Number.POSITIVE_INFINITY });
  });

  test("--num-warmup-sessions and --warmup-prefill-concurrency resolve", () => {
    expect(resolve("--num-warmup-sessions", "3")).toMatchObject({ numWarmupSessions: 3, warmupRequestCount: 0 });
    expect(resolve("--streaming", "--num-warmup-sessions", "3", "--concurrency", "4", "--warmup-prefill-concurrency", "2")).toMatchObject({
      warmupPrefillConcurrency: 2,
    });
  });

  test("user-centric has no default concurrency; warmup flags resolve", () => {
    expect(resolve("--user-centric-rate", "4", "--num-users", "8", "--session-turns-mean", "3")).toMatchObject({
      concurrency: undefined,
      userCentricRate: 4,
      numUsers: 8,
    });
    expect(resolve("--warmup-duration", "2", "--warmup-concurrency", "3", "--warmup-grace-period", "1")).toMatchObject({
      warmupDuration: 2,
      warmupConcurrency: 3,
      warmupGracePeriod: 1,
    });
  });
});

describe("rules", () => {
  test.each([
    [["--arrival-smoothness", "2", "--request-rate", "3", "--arrival-pattern", "poisson"], "--arrival-smoothness 2 needs --arrival-pattern gamma, not poisson"],
    [["--arrival-pattern", "gamma"], "--arrival-pattern (--request-rate-mode) gamma needs --request-rate"],
    [["--arrival-pattern", "concurrency_burst", "--request-rate", "3"], "concurrency_burst cannot be used with --request-rate"],
    [["--arrival-smoothness", "2"], "--arrival-smoothness 2 needs --request-rate"],
    [["--fixed-schedule"], "--fixed-schedule needs --input-file"],
    [[...mooncake(TIMED), "--fixed-schedule", "--no-fixed-schedule"], "--fixed-schedule and --no-fixed-schedule cannot be used together"],
    [["--fixed-schedule-start-offset", "5"], "--fixed-schedule-start-offset needs a fixed schedule"],
    [[...mooncake(UNTIMED), "--fixed-schedule-auto-offset"], "--fixed-schedule-auto-offset needs a fixed schedule"],
    [[...mooncake(TIMED), "--no-fixed-schedule", "--fixed-schedule-end-offset", "5"], "--fixed-schedule-end-offset needs a fixed schedule"],
    [
      [...mooncake(TIMED), "--fixed-schedule-auto-offset", "--fixed-schedule-start-offset", "5"],
      "--fixed-schedule-auto-offset and --fixed-schedule-start-offset cannot be used together",
    ],
    [
      [...mooncake(TIMED), "--fixed-schedule-start-offset", "9", "--fixed-schedule-end-offset", "5"],
      "--fixed-schedule-start-offset 9 must not be greater than --fixed-schedule-end-offset 5",
    ],
    [[...mooncake(TIMED), "--request-rate", "5"], "--request-rate cannot be used with a fixed schedule (the mooncake_trace has timestamps"],
    [[...mooncake(TIMED), "--fixed-schedule", "--user-centric-rate", "5", "--num-users", "2"], "--user-centric-rate cannot be used with a fixed schedule"],
    [["--user-centric-rate", "5", "--session-turns-mean", "2"], "--user-centric-rate needs --num-users"],
    [
      ["--user-centric-rate", "5", "--num-users", "2", "--request-rate", "1", "--session-turns-mean", "2"],
      "--user-centric-rate cannot be used with --request-rate",
    ],
    [
      ["--user-centric-rate", "5", "--num-users", "2", "--arrival-pattern", "concurrency_burst", "--session-turns-mean", "2"],
      "--user-centric-rate cannot be used with --arrival-pattern",
    ],
    [["--user-centric-rate", "5", "--num-users", "2"], "--session-turns-mean (--conversation-turn-mean) must be at least 2, got 1"],
    [["--num-users", "2"], "--num-users needs --user-centric-rate"],
    [
      ["--user-centric-rate", "5", "--num-users", "2", "--session-turns-mean", "2", "--request-rate-ramp-duration", "3"],
      "--request-rate-ramp-duration cannot be used with --user-centric-rate",
    ],
    [["--concurrency-ramp-duration", "3"], "--concurrency-ramp-duration needs --concurrency"],
    [["--request-rate-ramp-duration", "3"], "--request-rate-ramp-duration needs --request-rate"],
    [["--prefill-concurrency", "2", "--concurrency", "4"], "--prefill-concurrency needs --streaming"],
    [["--prefill-concurrency-ramp-duration", "2", "--streaming"], "--prefill-concurrency-ramp-duration needs --prefill-concurrency"],
    [["--prefill-concurrency", "5", "--concurrency", "4", "--streaming"], "--prefill-concurrency 5 must not be greater than --concurrency 4"],
    [["--warmup-duration", "2", "--warmup-request-count", "3"], "--warmup-duration and --warmup-request-count cannot be used together"],
    [["--warmup-grace-period", "2", "--warmup-request-count", "3"], "--warmup-grace-period needs --warmup-duration"],
    [["--warmup-concurrency", "2"], "--warmup-concurrency needs a warmup (--warmup-request-count, --warmup-duration or --num-warmup-sessions)"],
    [["--num-warmup-sessions", "2", "--warmup-request-count", "3"], "--num-warmup-sessions 2 and --warmup-request-count cannot be used together"],
    [["--num-warmup-sessions", "2", "--warmup-duration", "3"], "--num-warmup-sessions 2 and --warmup-duration cannot be used together"],
    [["--warmup-prefill-concurrency", "2", "--streaming"], "--warmup-prefill-concurrency needs a warmup"],
    [["--num-warmup-sessions", "2", "--warmup-prefill-concurrency", "2"], "--warmup-prefill-concurrency needs --streaming"],
    [
      ["--streaming", "--num-warmup-sessions", "2", "--warmup-concurrency", "2", "--warmup-prefill-concurrency", "3"],
      "--warmup-prefill-concurrency 3 must not be greater than --warmup-concurrency 2",
    ],
    [
      ["--streaming", "--warmup-request-count", "2", "--concurrency", "2", "--warmup-prefill-concurrency", "3"],
      "--warmup-prefill-concurrency 3 must not be greater than --concurrency 2",
    ],
    [["--benchmark-grace-period", "inf"], "--benchmark-grace-period needs --benchmark-duration"],
    [
      ["--warmup-request-count", "2", "--warmup-arrival-pattern", "constant"],
      "--warmup-arrival-pattern constant needs --warmup-request-rate (or --request-rate)",
    ],
    [
      ["--warmup-request-count", "2", "--warmup-arrival-pattern", "concurrency_burst", "--warmup-request-rate", "3"],
      "--warmup-arrival-pattern concurrency_burst cannot be used with --warmup-request-rate",
    ],
  ])("%p is rejected", (args, message) => {
    expect(() => resolve(...args)).toThrow(message);
  });

  test.each([
    [["--arrival-pattern", "bursty"], 'Invalid value "bursty" for --arrival-pattern: expected one of constant, poisson, gamma, concurrency_burst'],
    [["--arrival-smoothness", "0"], "Invalid value 0 for --arrival-smoothness: must be greater than 0"],
    [["--num-users", "0"], "Invalid value 0 for --num-users: must be at least 1"],
    [["--num-warmup-sessions", "0"], "Invalid value 0 for --num-warmup-sessions: must be at least 1"],
    [["--benchmark-duration", "5", "--benchmark-grace-period", "forever"], 'Invalid value "forever" for --benchmark-grace-period: expected a number'],
    [["--request-rate", "inf"], 'Invalid value "inf" for --request-rate: expected a number'],
    [["--fixed-schedule-start-offset", "-1"], "Invalid value -1 for --fixed-schedule-start-offset: must be at least 0"],
  ])("%p is an invalid value", (args, message) => {
    expect(() => resolve(...args)).toThrow(message);
  });
});
