import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setBusLogger } from "../../src/bus/index.ts";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { gpuTelemetryHasTarget } from "../../src/controller/gpu-probe.ts";
import { inProcessLauncher } from "../../src/controller/launchers.ts";
import { startProfile } from "../../src/controller/profile.ts";
import { createProgressUi } from "../../src/controller/progress.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { createMockServer, type MockServer } from "../../src/mock-server/server.ts";
import { memoryLogger } from "../process/helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

let server: MockServer;
beforeAll(() => {
  server = createMockServer({ port: 0, ttft: 15, itl: 4 });
});
afterAll(() => server.stop());

async function runInProcess(args: string[]) {
  const { input } = readProfileArgs([
    "-m",
    "mock-model",
    "-u",
    server.url,
    "--ui",
    "none",
    "--random-seed",
    "3",
    "--streaming",
    "--request-count",
    "24",
    "--concurrency",
    "4",
    "--osl",
    "20",
    "--isl",
    "16",
    ...args,
  ]);
  const cfg = resolveProfile(parseProfileConfig(input), "aiperf profile (test)", false, () => {});
  const dir = mkdtempSync(join(tmpdir(), "aiperf-gpu-inproc-"));
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
    return { result: await run.done, dir: join(dir, "out"), services: supervisor.services().map((s) => s.name) };
  } finally {
    await supervisor.shutdown();
  }
}

test("in process: the gpu-telemetry service joins the run and adds its block and energy metrics", async () => {
  const { result, dir, services } = await runInProcess(["--gpu-telemetry", `${server.url}/dcgm/metrics`]);
  expect(services).toContain("gpu-telemetry:0");
  expect(result.validCount).toBe(24);
  expect(result.consoleText).toContain("NVIDIA AIPerf | GPU Telemetry");
  expect(result.files).toContain(join(dir, "gpu_telemetry_export.jsonl"));
  const json = JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8"));
  expect(json.request_count.avg).toBe(24);
  expect(json.total_gpu_energy.avg).toBeGreaterThan(0);
  expect(Object.keys(json.telemetry_data.endpoints)).toEqual([`${server.url.replace("http://", "")}/dcgm/metrics`]);
});

test("in process: without --gpu-telemetry the defaults are tried quietly and no table is printed", async () => {
  const { result, dir, services } = await runInProcess([]);
  // Started only when something can be read: NVML on this machine or an exporter on a default port.
  expect(services.includes("gpu-telemetry:0")).toBe(await gpuTelemetryHasTarget({ gpuTelemetry: [], noGpuTelemetry: false }));
  expect(result.validCount).toBe(24);
  expect(result.consoleText).not.toContain("GPU Telemetry");
  // On a machine with a DCGM exporter or NVML the files appear; the run is the same either way.
  if (!existsSync(join(dir, "gpu_telemetry_export.jsonl"))) {
    expect(JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8")).telemetry_data).toBeUndefined();
  }
});
