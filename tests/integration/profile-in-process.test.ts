import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setBusLogger } from "../../src/bus/index.ts";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { inProcessLauncher } from "../../src/controller/launchers.ts";
import { startProfile } from "../../src/controller/profile.ts";
import { createProgressUi } from "../../src/controller/progress.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { createMockServer, type MockServer } from "../../src/mock-server/server.ts";
import { memoryLogger } from "../process/helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

let server: MockServer;
beforeAll(() => {
  server = createMockServer({ port: 0, ttft: 15, itl: 2 });
});
afterAll(() => server.stop());

/** Every service of a profile as tasks in this process, over inproc:// — no child processes. */
async function runInProcess(args: string[]) {
  const { input } = readProfileArgs(["-m", "mock-model", "-u", server.url, "--ui", "none", "--random-seed", "3", ...args]);
  const cfg = resolveProfile(parseProfileConfig(input), "aiperf profile (test)", false, () => {});
  const dir = mkdtempSync(join(tmpdir(), "aiperf-inproc-"));
  const { log } = memoryLogger();
  const supervisor = new Supervisor({ launcher: inProcessLauncher(), log, logLevel: "warn" });
  try {
    const run = startProfile(cfg, {
      supervisor,
      log,
      ui: createProgressUi("none"),
      runDir: dir,
      artifactDir: join(dir, "out"),
      logFile: join(dir, "out", "aiperf.log"),
    });
    return { result: await run.done, dir: join(dir, "out") };
  } finally {
    await supervisor.shutdown();
  }
}

test("the whole pipeline runs inside one process and produces upstream's files", async () => {
  const { result, dir } = await runInProcess([
    "--streaming",
    "--request-count",
    "30",
    "--concurrency",
    "3",
    "--osl",
    "6",
    "--isl",
    "40",
    "--workers-max",
    "2",
    "--record-processors",
    "2",
  ]);
  expect(result.validCount).toBe(30);
  expect(result.errorCount).toBe(0);
  expect(result.consoleText).toContain("NVIDIA AIPerf | LLM Metrics");
  const json = JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8"));
  expect(json.request_count.avg).toBe(30);
  expect(json.output_sequence_length.avg).toBe(6);
  expect(json.input_sequence_length.avg).toBe(40);
  expect(json.time_to_first_token.min).toBeGreaterThanOrEqual(15);
  expect(existsSync(join(dir, "inputs.json"))).toBe(true);
  const lines = readFileSync(join(dir, "profile_export.jsonl"), "utf8").trim().split("\n");
  expect(lines.length).toBe(30);
  // Two record processors shared the work.
  const processors = new Set(lines.map((l) => JSON.parse(l).metadata.record_processor_id));
  expect(processors.size).toBe(2);
});

test("warmup records are processed but left out of the results", async () => {
  const { result, dir } = await runInProcess(["--request-count", "8", "--warmup-request-count", "5", "--osl", "4"]);
  expect(result.timing?.phases.map((p) => [p.phase, p.sent])).toEqual([
    ["warmup", 5],
    ["profiling", 8],
  ]);
  expect(result.validCount).toBe(8);
  expect(readFileSync(join(dir, "profile_export.jsonl"), "utf8").trim().split("\n").length).toBe(8);
});
