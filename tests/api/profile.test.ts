/** profile() and startMockServer() from code, as a `bun test` suite uses them (roles in this process). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AiperfError, compareRuns, type MockServerHandle, profile, type ProfileProgress, type RecordLine, startMockServer } from "../../src/api/index.ts";

let mock: MockServerHandle;
let failing: MockServerHandle;
const scratch = mkdtempSync(join(tmpdir(), "aiperf-api-test-"));
beforeAll(async () => {
  mock = await startMockServer({ ttft: 15, itl: 1, osl: 6 });
  failing = await startMockServer({ errorRate: 100 });
});
afterAll(async () => {
  await Promise.all([mock.stop(), failing.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

/** This process's run directories under the temp dir (core/run-dirs.ts names them by pid). */
const ownRunDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`aiperf-run-${process.pid}-`));

test("a streamed run resolves to the JSON file's content, with progress and records as they happen", async () => {
  const artifactDir = join(scratch, "run1");
  const progress: ProfileProgress[] = [];
  const seen: RecordLine[] = [];
  const report = await profile({
    model: "mock-model",
    url: mock.url,
    streaming: true,
    concurrency: 4,
    requestCount: 30,
    isl: 32,
    artifactDir,
    records: true,
    onProgress: (p) => progress.push(p),
    onRecord: (r) => seen.push(r),
  });
  expect(report.outcome).toEqual({ ok: true, exitCode: 0, message: undefined, cancelled: false });
  expect(report.request_count?.avg).toBe(30);
  expect(report.output_sequence_length?.avg).toBe(6);
  expect(report.time_to_first_token?.min).toBeGreaterThanOrEqual(15);
  expect(report.time_to_first_token?.unit).toBe("ms");
  // Everything the file holds is in the report, value for value.
  const file = JSON.parse(readFileSync(join(artifactDir, "profile_export_aiperf.json"), "utf8")) as Record<string, unknown>;
  for (const [key, value] of Object.entries(file)) expect(report[key]).toEqual(value);
  expect(report.artifactDir).toBe(artifactDir);
  expect(report.records).toHaveLength(30);
  expect(new Set(report.records?.map((r) => r.metadata.x_request_id)).size).toBe(30);
  expect(seen.map((r) => r.metadata.x_request_id).sort()).toEqual((report.records ?? []).map((r) => r.metadata.x_request_id).sort());
  const profiling = progress.filter((p) => p.stage === "Requests (Profiling)");
  expect(profiling.length).toBeGreaterThan(0);
  expect(profiling.at(-1)?.done).toBe(30);
  expect(report.consoleText).toContain("Time to First Token");
});

test("without artifactDir nothing is left on disk", async () => {
  const before = existsSync("artifacts") ? readdirSync("artifacts") : [];
  const report = await profile({ model: "mock-model", url: mock.url, requestCount: 5 });
  expect(report.request_count?.avg).toBe(5);
  expect(report.artifactDir).toBeUndefined();
  expect(existsSync("artifacts") ? readdirSync("artifacts") : []).toEqual(before);
  expect(ownRunDirs()).toEqual([]);
});

test("an AbortSignal stops a long run: the partial report resolves, marked cancelled", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(), 1_500);
  try {
    const report = await profile({ model: "mock-model", url: mock.url, streaming: true, concurrency: 2, benchmarkDuration: 120, signal: controller.signal });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(report.was_cancelled).toBe(true);
    expect(report.outcome).toMatchObject({ ok: false, exitCode: 130, cancelled: true });
    expect(report.request_count?.avg ?? 0).toBeGreaterThan(0);
  } finally {
    clearTimeout(timer);
  }
  expect(ownRunDirs()).toEqual([]);
});

test("a signal aborted before the call runs nothing", async () => {
  const controller = new AbortController();
  controller.abort();
  const error = await profile({ model: "mock-model", url: mock.url, signal: controller.signal }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AiperfError);
  expect((error as AiperfError).code).toBe("INTERRUPTED");
});

test("bad options are typed errors naming the option, before anything starts", async () => {
  const unknown = await profile({ model: "m", url: mock.url, concurency: 3 } as never).catch((e: unknown) => e);
  expect(unknown).toBeInstanceOf(AiperfError);
  expect((unknown as AiperfError).code).toBe("CONFIG_INVALID");
  expect((unknown as Error).message).toBe('Unknown profile() option "concurency"; did you mean concurrency?');
  const invalid = await profile({ model: "m", url: mock.url, concurrency: 0 }).catch((e: unknown) => e);
  expect((invalid as AiperfError).code).toBe("CONFIG_INVALID");
  expect((invalid as Error).message).toBe("Invalid value 0 for concurrency (--concurrency): must be at least 1");
  const conflict = await profile({ model: "m", url: mock.url, requestCount: 3, benchmarkDuration: 5 }).catch((e: unknown) => e);
  expect((conflict as AiperfError).code).toBe("CONFIG_INVALID");
  expect((conflict as Error).message).toContain("requestCount (--request-count)");
  const plugin = await profile({ model: "m", url: mock.url, plugin: ["x.ts"] } as never).catch((e: unknown) => e);
  expect((plugin as AiperfError).code).toBe("CONFIG_INVALID");
  expect((plugin as Error).message).toBe("profile(): the plugin option is not supported from code");
  const missing = await profile({} as never).catch((e: unknown) => e);
  expect((missing as Error).message).toContain("Missing");
  const tooMany = await profile({ model: "m", url: mock.url, concurrency: 1000 }).catch((e: unknown) => e);
  expect((tooMany as AiperfError).hint).toContain("processes: true");
});

test("a run where every request failed resolves with the CLI's exit code in its outcome", async () => {
  const report = await profile({ model: "mock-model", url: failing.url, requestCount: 4, noPreflight: true });
  expect(report.outcome).toMatchObject({ ok: false, exitCode: 1, message: "Every request failed (4 of 4)", cancelled: false });
  expect(report.error_request_count?.avg).toBe(4);
});

test("processes: true runs the roles as child processes, with the same report", async () => {
  const report = await profile({ model: "mock-model", url: mock.url, requestCount: 6, concurrency: 2, processes: true });
  expect(report.outcome.ok).toBe(true);
  expect(report.request_count?.avg).toBe(6);
});

test("startMockServer refuses an unknown option and names the near one", async () => {
  const error = await startMockServer({ tfft: 3 } as never).catch((e: unknown) => e);
  expect((error as Error).message).toBe('Unknown startMockServer() option "tfft"; did you mean ttft?');
});

test("compareRuns gates an A/B pair of reports: a slower server's TTFT is a significant regression", async () => {
  const slow = await startMockServer({ ttft: 80, itl: 1, osl: 6 });
  try {
    const base = await profile({ model: "mock-model", url: mock.url, streaming: true, concurrency: 2, requestCount: 30, records: true });
    const next = await profile({ model: "mock-model", url: slow.url, streaming: true, concurrency: 2, requestCount: 30, records: true });
    const result = compareRuns(base, next, { metrics: ["time_to_first_token"], threshold: 20 });
    const ttft = result.metrics.find((m) => m.metric === "time_to_first_token");
    expect(ttft?.verdict).toBe("regressed");
    expect(result.regressed).toEqual(["time_to_first_token"]);
    const same = compareRuns(base, base, { metrics: ["time_to_first_token"] });
    expect(same.regressed).toEqual([]);
    const noRecords = (() => {
      try {
        return compareRuns({ ...base, records: undefined }, next);
      } catch (e) {
        return e;
      }
    })();
    expect((noRecords as Error).message).toBe("compareRuns: the base report has no per-request records");
  } finally {
    await slow.stop();
  }
});

test("a run with profileExportPrefix resolves from its renamed files", async () => {
  const artifactDir = join(scratch, "prefixed");
  const report = await profile({ model: "mock-model", url: mock.url, requestCount: 4, artifactDir, profileExportPrefix: "nightly", records: true });
  expect(report.request_count?.avg).toBe(4);
  expect(report.records).toHaveLength(4);
  expect(existsSync(join(artifactDir, "nightly.json"))).toBe(true);
});

test("config reads a YAML file as -f/--config does; the options given override it; its mistakes name file and line", async () => {
  const file = join(scratch, "bench.yaml");
  writeFileSync(file, `model: mock-model\nurl: ${mock.url}\nrequest-count: 9\nstreaming: true\n`);
  const report = await profile({ model: "mock-model", config: file, requestCount: 3 });
  expect(report.request_count?.avg).toBe(3);
  expect(report.time_to_first_token).toBeDefined();
  writeFileSync(file, "model: mock-model\nrequest-cont: 9\n");
  const error = await profile({ model: "mock-model", config: file }).catch((e: unknown) => e);
  expect((error as AiperfError).code).toBe("CONFIG_INVALID");
  expect((error as Error).message).toContain(`${file}:2`);
});
