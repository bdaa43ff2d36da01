import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wallNs } from "../../src/core/clock.ts";
import { createMockDcgm } from "../../src/mock-server/dcgm.ts";
import type { GpuFinalizeResult } from "../../src/protocol/gpu-telemetry.ts";
import { startCollector } from "../../src/services/gpu-telemetry/collector.ts";
import type { GpuSample } from "../../src/services/gpu-telemetry/fields.ts";
import { finalize, run } from "../../src/services/gpu-telemetry/index.ts";
import { memoryLogger } from "../process/helpers.ts";
import { fakeService } from "../worker/fake-context.ts";

const dcgm = createMockDcgm("test-host");
let server: ReturnType<typeof Bun.serve>;
let url: string;
beforeAll(() => {
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", routes: { "/metrics": () => new Response(dcgm.render()) } });
  url = `http://127.0.0.1:${server.port}/metrics`;
  dcgm.requestStarted(); // load, so power is above idle
});
afterAll(() => server.stop(true));

/** A port nothing listens on: bind one, stop, reuse its number. */
function deadUrl(): string {
  const s = Bun.serve({ port: 0, fetch: () => new Response("") });
  const port = s.port;
  s.stop(true);
  return `http://127.0.0.1:${port}/metrics`;
}

test("the role scrapes a DCGM endpoint, writes the JSONL and returns telemetry and energy", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gpu-role-"));
  const svc = fakeService("gpu-telemetry", "0");
  const running = run(svc.ctx);
  const dead = deadUrl();
  await svc.call("configure", { urls: [url, dead], intervalMs: 50, artifactDir: dir, useNvml: false, explicit: true });
  const start = wallNs();
  await Bun.sleep(600);
  const end = wallNs();
  const r = await svc.call<GpuFinalizeResult>("finalize", { profilingStartWallNs: start, profilingEndWallNs: end, totalOutputTokens: 1000, requestCount: 10 });
  svc.stop();
  await running;
  expect(r.collected).toBe(true);
  // The dead endpoint is reported once, as a warning since the user named it.
  expect(svc.lines.filter((l) => l.includes(dead)).length).toBe(1);
  expect(svc.lines.find((l) => l.includes(dead))).toStartWith("warn");
  const path = join(dir, "gpu_telemetry_export.jsonl");
  expect(r.files).toEqual([path]);
  const lines = readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThanOrEqual(2 * 5);
  expect(lines[0]).toMatchObject({ dcgm_url: url, hostname: "test-host", gpu_model_name: "NVIDIA H100 80GB HBM3 (mock)" });
  expect(Object.keys(lines[0].telemetry_data)).toContain("nvidia_power_usage");
  const block = r.telemetry as { endpoints: Record<string, { gpus: Record<string, { metrics: Record<string, { avg: number; unit: string }> }> }> };
  const gpus = block.endpoints[url.replace("http://", "").replace("/metrics", "")]?.gpus ?? {};
  expect(Object.keys(gpus)).toEqual(["gpu_0", "gpu_1"]);
  const power = gpus.gpu_0?.metrics.nvidia_power_usage;
  expect(power?.unit).toBe("W");
  // ~0.6 s at the mock's power: energy ≈ power × time, well within scrape jitter.
  const joules = gpus.gpu_0?.metrics.nvidia_energy_consumption?.avg as number;
  expect(joules).toBeGreaterThan((power?.avg as number) * 0.6 * 0.7);
  expect(joules).toBeLessThan((power?.avg as number) * 0.6 * 1.3);
  expect(r.energy.total_gpu_energy?.unit).toBe("J");
  expect(r.energy.energy_per_request?.avg).toBeCloseTo((r.energy.total_gpu_energy?.avg as number) / 10, 9);
  expect(r.energy.energy_per_output_token?.avg).toBeCloseTo(r.energy.total_gpu_energy?.avg as number, 9);
  expect(r.consoleText).toContain("GPU 1 | NVIDIA H100 80GB HBM3 (mock)");
});

test("with no endpoint answering and no NVML, nothing is collected and nothing fails", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gpu-role-"));
  const { log, lines } = memoryLogger();
  const cfg = { urls: [deadUrl()], intervalMs: 50, artifactDir: dir, useNvml: true, explicit: false };
  const collector = startCollector(cfg, log, () => ({ unavailable: "NVML not available (test)" }));
  const r = await finalize(cfg, collector, {});
  expect(r).toEqual({ collected: false, telemetry: null, energy: {}, consoleText: "", files: [] });
  expect(existsSync(join(dir, "gpu_telemetry_export.jsonl"))).toBe(false);
  // Default URLs that are down are only debug lines; NVML's absence is said once.
  expect(lines.filter((l) => l.startsWith("warn")).length).toBe(0);
  expect(lines.filter((l) => l.includes("NVML not available")).length).toBe(1);
});

test("NVML is the fallback when no exporter answers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gpu-role-"));
  const { log } = memoryLogger();
  let mj = 1e9;
  let closed = false;
  const reader = {
    gpuCount: 1,
    read: (): GpuSample[] => [
      {
        source: "nvml://localhost",
        timestampNs: wallNs(),
        gpuIndex: 0,
        gpuUuid: "GPU-n",
        gpuName: "Fake",
        hostname: "h",
        values: { gpu_power_usage: 100, energy_consumption: (mj += 5000) * 1e-9 },
      },
    ],
    close: () => void (closed = true),
  };
  const cfg = { urls: [deadUrl()], intervalMs: 20, artifactDir: dir, useNvml: true, explicit: false };
  const collector = startCollector(cfg, log, () => reader);
  await Bun.sleep(200);
  const r = await finalize(cfg, collector, {});
  expect(r.collected).toBe(true);
  expect(closed).toBe(true);
  expect(Object.keys((r.telemetry as { endpoints: object }).endpoints)).toEqual(["nvml://localhost"]);
  expect(r.energy.total_gpu_energy?.avg as number).toBeGreaterThan(0);
});

test("close() stops polling at once, without a last scrape", async () => {
  const { log } = memoryLogger();
  const collector = startCollector({ urls: [url], intervalMs: 20, artifactDir: tmpdir(), useNvml: false, explicit: false }, log);
  await Bun.sleep(120);
  collector.close();
  await Bun.sleep(30); // a scrape already in flight may still land
  const count = collector.samples.length;
  expect(count).toBeGreaterThan(0);
  await Bun.sleep(150);
  expect(collector.samples.length).toBe(count);
});
