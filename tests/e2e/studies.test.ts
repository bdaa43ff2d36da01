/**
 * Studies on the compiled binary: a sweep, repeated trials, both together, an SLA search against a
 * server whose latency follows the load, a failing point, bad input and Ctrl-C. Small request
 * counts: every run starts its own services, and this runs on a 2-core box.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, readExport, runProfile, useMockServer } from "./support.ts";
import { type LoadServer, startLoadServer } from "../study/load-server.ts";

const mock = useMockServer();
const QUIET = ["--tokenizer", "builtin", "--no-server-metrics", "--no-gpu-telemetry"];
const json = (path: string): any => JSON.parse(readFileSync(path, "utf8"));

describe("sweeps", () => {
  test("--concurrency 1,2: one folder per point, the sweep summary (JSON, CSV, table) and the ids in each run", async () => {
    const run = await runProfile(mock.url, ["--streaming", "--concurrency", "1,2", "--request-count", "4", ...QUIET]);
    expect(run.code).toBe(0);
    for (const point of ["concurrency_1", "concurrency_2"]) expect(readExport(join(run.dir, point)).request_count.avg).toBe(4);
    const summary = json(join(run.dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"));
    expect(summary.metadata).toMatchObject({
      aggregation_type: "sweep",
      sweep_parameters: [{ name: "concurrency", values: [1, 2] }],
      num_combinations: 2,
      num_trials_per_value: 1,
      sweep_mode: "repeated",
    });
    expect(summary.per_combination_metrics.map((p: any) => [p.parameters, p.status])).toEqual([
      [{ concurrency: 1 }, "ok"],
      [{ concurrency: 2 }, "ok"],
    ]);
    expect(summary.per_combination_metrics[1].metrics.request_throughput_avg.mean).toBe(readExport(join(run.dir, "concurrency_2")).request_throughput.avg);
    expect(summary.best_configurations.best_throughput.parameters).toBeDefined();
    expect(summary.pareto_optimal.length).toBeGreaterThan(0);
    const csv = readFileSync(join(run.dir, "sweep_aggregate", "profile_export_aiperf_sweep.csv"), "utf8")
      .trim()
      .split("\n");
    expect(csv[0]).toStartWith("concurrency,variation_label,status,request_throughput_avg");
    expect(csv.slice(1).map((l) => l.split(",").slice(0, 3).join(","))).toEqual(["1,concurrency_1,ok", "2,concurrency_2,ok"]);
    expect(run.out).toContain("Sweep summary");
    expect(run.out).toMatch(/concurrency_2 │ ok/);
    // Upstream's run_info ids reach each run (its log records them; seed = --random-seed 1 + point index).
    const log = readFileSync(join(run.dir, "concurrency_2", "logs", "aiperf.log"), "utf8");
    const info = JSON.parse(/Study run: (\{.*\})/.exec(log)?.[1] ?? "null");
    expect(info).toEqual({
      sweep_id: summary.metadata.sweep_id,
      random_seed: 2,
      trial: 0,
      run_label: "run_0001",
      variation_label: "concurrency_2",
      variation_index: 1,
      variation_values: { concurrency: 2 },
    });
    // ...and its profile_export_aiperf.json's run_info, as upstream writes them (schema 1.5).
    const runInfo = readExport(join(run.dir, "concurrency_2")).run_info;
    expect(runInfo).toMatchObject(info);
    expect(runInfo.benchmark_id).toBe(readExport(join(run.dir, "concurrency_2")).benchmark_id);
  }, 180_000);

  test("a point that fails: the others still run, the table and the exit code say which", async () => {
    // osl_400's replies are longer than --max-response-bytes: every request of that point fails (exit 1).
    const run = await runProfile(mock.url, ["--osl", "4,400", "--max-response-bytes", "1500", "--request-count", "2", ...QUIET]);
    expect(run.code).toBe(1);
    const summary = json(join(run.dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"));
    expect(summary.per_combination_metrics.map((p: any) => [p.variation_label, p.status])).toEqual([
      ["osl_4", "ok"],
      ["osl_400", "failed"],
    ]);
    expect(summary.per_combination_metrics[1].failed_runs).toEqual([{ label: "run_0001", error: "exit code 1" }]);
    expect(run.out).toContain("osl_400 │ failed (exit 1)");
    expect(run.out).toContain("Runs that failed: osl_400 run_0001 (exit 1");
  }, 180_000);
});

describe("repeated trials", () => {
  test("--num-profile-runs 3: aggregate (mean, std, cv, se, CI, t) and collated files, intervals on the console", async () => {
    const run = await runProfile(mock.url, ["--streaming", "--num-profile-runs", "3", "--request-count", "3", "--warmup-request-count", "1", ...QUIET]);
    expect(run.code).toBe(0);
    const runs = ["run_0001", "run_0002", "run_0003"].map((r) => readExport(join(run.dir, "profile_runs", r)));
    const agg = json(join(run.dir, "aggregate", "profile_export_aiperf_aggregate.json"));
    expect(agg.schema_version).toBe("1.0");
    expect(agg.metadata).toMatchObject({
      aggregation_type: "confidence",
      num_profile_runs: 3,
      num_successful_runs: 3,
      failed_runs: [],
      confidence_level: 0.95,
      run_labels: ["run_0001", "run_0002", "run_0003"],
    });
    // The statistics by hand from the three runs' own files.
    const values = runs.map((r) => r.request_latency.avg as number);
    const mean = values.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 2);
    const m = agg.metrics.request_latency_avg;
    expect(Object.keys(m).sort()).toEqual(["ci_high", "ci_low", "cv", "max", "mean", "min", "se", "std", "t_critical", "unit"]);
    expect(m.mean).toBeCloseTo(mean, 9);
    expect(m.std).toBeCloseTo(std, 9);
    expect(m.se).toBeCloseTo(std / Math.sqrt(3), 9);
    expect(m.t_critical).toBeCloseTo(4.302653, 5);
    expect(m.ci_high - m.ci_low).toBeCloseTo(2 * 4.302652729749 * (std / Math.sqrt(3)), 6);
    expect(agg.metrics.time_to_first_token_p99.unit).toBe("ms");
    expect(readFileSync(join(run.dir, "aggregate", "profile_export_aiperf_aggregate.csv"), "utf8")).toStartWith(
      "Metric,Mean,Std,Min,Max,CV,SE,CI Low,CI High,t Critical,Unit\n",
    );
    const collated = json(join(run.dir, "aggregate", "profile_export_aiperf_collated.json"));
    expect(collated.metadata).toMatchObject({ aggregation_type: "detailed", num_successful_runs: 3 });
    expect(collated.metrics.request_latency.combined.count).toBe(9);
    expect(collated.metrics.request_latency.per_run.map((r: any) => [r.label, r.count])).toEqual([
      ["run_0001", 3],
      ["run_0002", 3],
      ["run_0003", 3],
    ]);
    expect(run.out).toContain("mean and 95% confidence interval (Student t)");
    expect(run.out).toMatch(/│ request_latency_avg +│ +[\d.]+ │ +\[[\d.]+, [\d.]+\] │/);
    // Warmup only before the first trial (upstream's default), the same seed in every trial.
    const cmd = (r: string): string =>
      /aiperf v\S+: (aiperf profile .*)/.exec(readFileSync(join(run.dir, "profile_runs", r, "logs", "aiperf.log"), "utf8"))?.[1] ?? "";
    expect(cmd("run_0001")).toContain("--warmup-request-count 1");
    expect(cmd("run_0002")).not.toContain("--warmup-request-count");
    expect(cmd("run_0003")).toContain("--random-seed 1");
  }, 180_000);

  test("sweep × trials (--isl-osl-pairs, 2 trials): upstream's folders, per-point aggregates, intervals in the sweep summary", async () => {
    const run = await runProfile(mock.url, ["--isl-osl-pairs", "32/4,64/8", "--num-profile-runs", "2", "--request-count", "2", ...QUIET]);
    expect(run.code).toBe(0);
    for (const trial of ["trial_0001", "trial_0002"])
      for (const point of ["isl_32_osl_4", "isl_64_osl_8"])
        expect(existsSync(join(run.dir, "profile_runs", trial, point, "profile_export_aiperf.json"))).toBe(true);
    expect(readExport(join(run.dir, "profile_runs", "trial_0002", "isl_64_osl_8")).input_sequence_length.avg).toBe(64);
    const agg = json(join(run.dir, "aggregate", "isl_64_osl_8", "profile_export_aiperf_aggregate.json"));
    expect(agg.metadata).toMatchObject({ num_successful_runs: 2, variation_label: "isl_64_osl_8", variation_values: { isl: 64, osl: 8 } });
    expect(agg.metrics.output_sequence_length_avg.mean).toBe(8);
    const summary = json(join(run.dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"));
    expect(summary.metadata).toMatchObject({
      num_trials_per_value: 2,
      sweep_parameters: [
        { name: "isl", values: [32, 64] },
        { name: "osl", values: [4, 8] },
      ],
    });
    expect(summary.per_combination_metrics[0].metrics.request_latency_avg.t_critical).toBeCloseTo(12.7062, 4);
    expect(run.out).toContain("Sweep summary (mean ± 95% CI half-width over 2 trials");
  }, 240_000);
});

describe("SLA search", () => {
  let server: LoadServer | undefined;
  beforeAll(() => void (server = startLoadServer(150)));
  afterAll(() => server?.stop());

  test("the highest concurrency meeting --e2e-sla-ms: brackets by doubling, bisects, reports every run and its margin", async () => {
    // Latency ≈ 150 ms × concurrency: 3 → ~450 ms meets 530, 4 → ~600 ms misses.
    const run = await runProfile((server as LoadServer).url, [
      "--request-count",
      "8",
      "--search-recipe",
      "max-concurrency-under-sla",
      "--e2e-sla-ms",
      "530",
      "--concurrency-max",
      "8",
      "--no-preflight",
      ...QUIET,
    ]);
    expect(run.code).toBe(0);
    const s = json(join(run.dir, "sla_search", "profile_export_aiperf_sla_search.json"));
    expect(s.probes.map((p: any) => [p.value, p.phase, p.meets_sla])).toEqual([
      [1, "bracket", true],
      [2, "bracket", true],
      [4, "bracket", false],
      [3, "bisect", true],
    ]);
    expect(s.answer.concurrency).toBe(3);
    expect(s.answer.sla[0]).toMatchObject({ metric: "request_latency", stat: "p99", op: "le", threshold: 530, met: true });
    expect(s.answer.sla[0].margin_pct).toBeGreaterThan(0);
    expect(s.lowest_failing.concurrency).toBe(4);
    expect(s.stop_reason).toBe("resolved");
    expect(s.metadata).toMatchObject({ aggregation_type: "sla_search", parameter: "concurrency", min: 1, max: 8, num_runs: 4 });
    expect(existsSync(join(run.dir, "concurrency_3", "profile_export_aiperf.json"))).toBe(true);
    expect(run.out).toMatch(/Answer: concurrency 3 meets every SLA: request_latency p99 [\d.]+ vs 530 \([\d.]+ % headroom\); concurrency 4 misses/);
    expect(run.out).toContain("Stopped: bracketed: concurrency 3 meets every SLA and 4 misses one, adjacent values");
  }, 240_000);
});

describe("bad input and interrupts", () => {
  test("a bad list or a point the single-run rules refuse: exit 2 before any run, naming the point", async () => {
    const bad = await runProfile(mock.url, ["--concurrency", "2,x", ...QUIET]);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('Invalid value "2,x" for --concurrency: every value of a sweep list must be a positive integer ("x" is not)');
    expect(existsSync(bad.dir)).toBe(false);
    const point = await runProfile(mock.url, ["--streaming", "--concurrency", "1,4", "--prefill-concurrency", "2", ...QUIET]);
    expect(point.code).toBe(2);
    expect(point.out).toContain("Sweep point concurrency_1:");
    expect(existsSync(point.dir)).toBe(false);
    const stream = await runProfile(mock.url, ["--search-recipe", "max-concurrency-under-sla", "--ttft-sla-ms", "100", ...QUIET]);
    expect(stream.code).toBe(2);
    expect(stream.out).toContain("--ttft-sla-ms needs streamed replies");
  }, 60_000);

  test("Ctrl-C during a sweep: the run in progress writes partial results, the summary covers what was done, exit 130", async () => {
    await ensureBinary();
    const cwd = mkdtempSync(join(tmpdir(), "aiperf-e2e-"));
    const dir = join(cwd, "out");
    const proc = Bun.spawn(
      [
        BINARY,
        "profile",
        "-m",
        "mock-model",
        "-u",
        mock.url,
        "--artifact-dir",
        dir,
        "--ui",
        "none",
        "--streaming",
        "--concurrency",
        "1,2",
        "--benchmark-duration",
        "30",
        ...QUIET,
      ],
      { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
    );
    try {
      const reader = proc.stderr.getReader();
      let err = "";
      // Wait until the first point's run has started its services, then interrupt the study.
      while (!(err.split("[study] Run 1/2")[1] ?? "").includes("Processes:")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the study ended early: ${err}`);
        err += new TextDecoder().decode(value);
      }
      await Bun.sleep(4000);
      proc.kill("SIGINT");
      void (async () => {
        while (!(await reader.read()).done) {}
      })();
      const code = await proc.exited;
      expect(code).toBe(130);
      const summary = json(join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"));
      expect(summary.metadata.was_interrupted).toBe(true);
      expect(summary.per_combination_metrics.map((p: any) => p.status)).toEqual(["interrupted", "not run"]);
      expect(readExport(join(dir, "concurrency_1")).was_cancelled).toBe(true);
      expect(existsSync(join(dir, "concurrency_2"))).toBe(false);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }, 120_000);
});
