/** Study flags, the points and order of a study, and the SLA search's choices, without running anything. */
import { describe, expect, test } from "bun:test";
import { BenchError } from "../../src/core/errors.ts";
import { readStudyOptions, type StudyOptions } from "../../src/study/options.ts";
import { orderRuns, planRun, variationsOf } from "../../src/study/plan.ts";
import { judge, SlaSearch } from "../../src/study/sla-search.ts";

const base = ["-m", "m", "-u", "localhost:1", "--streaming"];
const study = (args: string[]): StudyOptions => readStudyOptions([...base, ...args]) as StudyOptions;
const usage = (args: string[]): string => {
  try {
    readStudyOptions([...base, ...args]);
  } catch (error) {
    expect(error).toBeInstanceOf(BenchError);
    expect((error as BenchError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
};

describe("study flags", () => {
  test("a plain run is not a study", () => {
    expect(readStudyOptions([...base, "--concurrency", "4", "--request-rate", "2.5"])).toBeUndefined();
  });

  test("comma lists become sweep axes; the rest is the base command line", () => {
    const o = study(["--concurrency", "2,4,8", "--request-count", "5", "--artifact-dir", "out", "--random-seed", "7"]);
    expect(o.axes.map((a) => [a.name, a.values.map((v) => v.label)])).toEqual([["concurrency", ["concurrency_2", "concurrency_4", "concurrency_8"]]]);
    expect(o.base.flatMap((it) => it.tokens)).toEqual([...base, "--request-count", "5"]);
    expect([o.artifactDir, o.randomSeed, o.numProfileRuns, o.confidenceLevel, o.sweepMode, o.sweepType]).toEqual(["out", 7, 1, 0.95, "repeated", "grid"]);
  });

  test("upstream's multi-run flags and defaults", () => {
    const o = study([
      "--num-profile-runs",
      "5",
      "--confidence-level",
      "0.99",
      "--profile-run-cooldown-seconds",
      "2",
      "--no-profile-run-disable-warmup-after-first",
      "--parameter-sweep-mode",
      "independent",
    ]);
    expect([o.numProfileRuns, o.confidenceLevel, o.profileRunCooldownSeconds, o.disableWarmupAfterFirst, o.setConsistentSeed, o.sweepMode]).toEqual([
      5,
      0.99,
      2,
      false,
      true,
      "independent",
    ]);
  });

  test("--isl-osl-pairs is one axis setting both lengths", () => {
    const o = study(["--isl-osl-pairs", "128/16, 512/64"]);
    expect(o.axes[0]?.values).toEqual([
      { label: "isl_128_osl_16", args: ["--isl", "128", "--osl", "16"], values: { isl: 128, osl: 16 } },
      { label: "isl_512_osl_64", args: ["--isl", "512", "--osl", "64"], values: { isl: 512, osl: 64 } },
    ]);
  });

  test("SLA flags become filters; named flags use --sla-stat (p99 by default), the error rate is in percent", () => {
    const s = study([
      "--search-recipe",
      "max-concurrency-under-sla",
      "--ttft-sla-ms",
      "200",
      "--error-rate-sla",
      "0.05",
      "--search-sla",
      "request_latency:p95:lt:900",
      "--concurrency-max",
      "64",
    ]).search;
    expect(s?.filters.map((f) => [f.metric, f.stat, f.op, f.threshold])).toEqual([
      ["time_to_first_token", "p99", "le", 200],
      ["request_error_rate", "avg", "le", 5],
      ["request_latency", "p95", "lt", 900],
    ]);
    expect([s?.parameter, s?.min, s?.max, s?.integer]).toEqual(["concurrency", 1, 64, true]);
    const rate = study([
      "--search-recipe",
      "max-rate-under-sla",
      "--e2e-sla-ms",
      "500",
      "--sla-stat",
      "avg",
      "--request-rate-min",
      "0.5",
      "--request-rate-max",
      "40",
    ]).search;
    expect([rate?.flag, rate?.min, rate?.max, rate?.integer, rate?.filters[0]?.stat]).toEqual(["--request-rate", 0.5, 40, false, "avg"]);
  });

  test("bad input: one message naming the flag and the fix (exit 2)", () => {
    expect(usage(["--concurrency", "2,abc"])).toContain('every value of a sweep list must be a positive integer ("abc" is not)');
    expect(usage(["--concurrency", "2,2"])).toContain("repeats a value");
    expect(usage(["--num-profile-runs", "11"])).toContain("--num-profile-runs: expected an integer from 1 to 10");
    expect(usage(["--confidence-level", "95"])).toContain("--confidence-level");
    expect(usage(["--ttft-sla-ms", "100"])).toBe("--ttft-sla-ms applies only to an SLA search");
    expect(usage(["--search-recipe", "max-concurrency-under-sla"])).toContain("needs at least one SLA");
    expect(usage(["--search-recipe", "max-concurrency-under-sla", "--ttft-sla-ms", "1", "--search-style", "bo"])).toContain("expected one of monotonic");
    expect(usage(["--search-recipe", "max-concurrency-under-sla", "--ttft-sla-ms", "1", "--concurrency", "1,2"])).toContain("give no comma lists");
    expect(usage(["--search-recipe", "max-concurrency-under-sla", "--ttft-sla-ms", "1", "--concurrency-min", "8", "--concurrency-max", "4"])).toContain(
      "must be above --concurrency-min",
    );
    expect(usage(["--search-recipe", "max-concurrency-under-sla", "--search-sla", "ttft:p99:lt"])).toContain("metric_tag:stat:op:threshold");
    expect(usage(["--isl-osl-pairs", "128-16"])).toContain("ISL/OSL pairs");
    expect(usage(["--concurrency", "1,2", "--osl", "4,8,16", "--sweep-type", "zip"])).toContain("same length");
  });
});

describe("plan", () => {
  test("grid is every combination, zip pairs element by element", () => {
    const grid = variationsOf(study(["--concurrency", "1,2", "--osl", "8,16"]).axes, "grid");
    expect(grid.map((v) => v.label)).toEqual(["concurrency_1-osl_8", "concurrency_1-osl_16", "concurrency_2-osl_8", "concurrency_2-osl_16"]);
    expect(grid[3]?.values).toEqual({ concurrency: 2, osl: 16 });
    const zip = variationsOf(study(["--concurrency", "1,2", "--osl", "8,16"]).axes, "zip");
    expect(zip.map((v) => v.label)).toEqual(["concurrency_1-osl_8", "concurrency_2-osl_16"]);
  });

  test("repeated runs the whole sweep per trial; independent finishes a point's trials first", () => {
    const vs = variationsOf(study(["--concurrency", "1,2"]).axes, "grid");
    expect(orderRuns(vs, 2, "repeated").map((s) => `${s.variation.label}#${s.trial}`)).toEqual([
      "concurrency_1#0",
      "concurrency_2#0",
      "concurrency_1#1",
      "concurrency_2#1",
    ]);
    expect(orderRuns(vs, 2, "independent").map((s) => `${s.variation.label}#${s.trial}`)).toEqual([
      "concurrency_1#0",
      "concurrency_1#1",
      "concurrency_2#0",
      "concurrency_2#1",
    ]);
  });

  test("folders, seeds, warmup and run_info of each run", () => {
    const o = study(["--concurrency", "1,2", "--num-profile-runs", "2", "--warmup-request-count", "3"]);
    const vs = variationsOf(o.axes, "grid");
    const second = vs[1] as (typeof vs)[number];
    const first = planRun(o, "/b", "sid", second, 0, true);
    const later = planRun(o, "/b", "sid", second, 1, true);
    expect(first.dir).toBe("/b/profile_runs/trial_0001/concurrency_2");
    expect(later.dir).toBe("/b/profile_runs/trial_0002/concurrency_2");
    // Seed 42 + point index (upstream's default), the same in every trial of the point.
    expect(first.args.slice(-4)).toEqual(["--artifact-dir", "/b/profile_runs/trial_0001/concurrency_2", "--random-seed", "43"]);
    expect(later.args).toContain("43");
    expect(first.args).toContain("--warmup-request-count");
    expect(later.args).not.toContain("--warmup-request-count");
    expect(later.info).toEqual({
      sweep_id: "sid",
      random_seed: 43,
      trial: 1,
      run_label: "run_0002",
      variation_label: "concurrency_2",
      variation_index: 1,
      variation_values: { concurrency: 2 },
    });
    const trialsOnly = study(["--num-profile-runs", "3", "--random-seed", "5", "--no-set-consistent-seed"]);
    const only = variationsOf(trialsOnly.axes, "grid")[0] as (typeof vs)[number];
    expect(planRun(trialsOnly, "/b", "sid", only, 2, false).dir).toBe("/b/profile_runs/run_0003");
    expect(planRun(trialsOnly, "/b", "sid", only, 2, false).info.random_seed).toBe(5);
    const sweepOnly = study(["--concurrency", "1,2", "--parameter-sweep-same-seed"]);
    expect(planRun(sweepOnly, "/b", "sid", variationsOf(sweepOnly.axes, "grid")[1] as (typeof vs)[number], 0, true)).toMatchObject({
      dir: "/b/concurrency_2",
      info: { random_seed: 42 },
    });
  });
});

describe("SLA search", () => {
  /** Drives the search against a threshold: values ≤ limit pass. Returns the probes in order. */
  const drive = (min: number, max: number, integer: boolean, passes: (v: number) => boolean): { probes: number[]; s: SlaSearch } => {
    const s = new SlaSearch(min, max, integer);
    const probes: number[] = [];
    for (let v = s.next(); v !== undefined; v = s.next()) {
      probes.push(v);
      s.record(v, passes(v));
      if (probes.length > 50) throw new Error("no end");
    }
    return { probes, s };
  };

  test("brackets by doubling, then bisects to adjacent integers", () => {
    const { probes, s } = drive(1, 1000, true, (v) => v <= 5);
    expect(probes).toEqual([1, 2, 4, 8, 6, 5]);
    expect([s.lo, s.hi, s.stop]).toEqual([5, 6, "resolved"]);
    expect(drive(1, 1000, true, (v) => v <= 100).probes).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 96, 112, 104, 100, 102, 101]);
  });

  test("stops when the maximum passes or the minimum fails", () => {
    const top = drive(1, 20, true, () => true);
    expect([top.probes, top.s.stop, top.s.lo]).toEqual([[1, 2, 4, 8, 16, 20], "max_passes", 20]);
    const none = drive(4, 20, true, () => false);
    expect([none.probes, none.s.stop, none.s.lo]).toEqual([[4], "min_fails", undefined]);
  });

  test("rates bisect until the bracket is within 5 %", () => {
    const { probes, s } = drive(1, 100, false, (v) => v <= 10);
    expect(probes.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(s.stop).toBe("resolved");
    expect((s.hi as number) - (s.lo as number)).toBeLessThanOrEqual(0.05 * (s.lo as number));
    expect(s.lo as number).toBeLessThanOrEqual(10);
    expect(s.hi as number).toBeGreaterThan(10);
  });

  test("judge: each SLA with its observed value and margin; a missing metric misses", () => {
    const metrics = new Map([
      [
        "time_to_first_token_p99",
        { mean: 80, std: 0, min: 80, max: 80, cv: 0, se: 0, ci_low: Number.NaN, ci_high: Number.NaN, t_critical: Number.NaN, unit: "ms" },
      ],
    ]);
    const [ttft, itl] = judge(metrics, [
      { metric: "time_to_first_token", stat: "p99", op: "le", threshold: 100, source: "" },
      { metric: "inter_token_latency", stat: "p99", op: "le", threshold: 10, source: "" },
    ]);
    expect([ttft?.met, ttft?.observed, ttft?.margin_pct]).toEqual([true, 80, 20]);
    expect([itl?.met, itl?.observed]).toEqual([false, undefined]);
    const [low] = judge(metrics, [{ metric: "time_to_first_token", stat: "p99", op: "ge", threshold: 100, source: "" }]);
    expect([low?.met, low?.margin_pct]).toEqual([false, -20]);
  });
});
