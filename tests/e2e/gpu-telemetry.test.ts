import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, type MockServer, runProfile, startMockServer, readExport } from "./support.ts";

let mock: MockServer;
let url = "";

beforeAll(async () => {
  await ensureBinary();
  mock = await startMockServer(["--ttft", "20", "--itl", "5"]);
  url = mock.url;
}, 120_000);
afterAll(() => mock?.stop());

test("profile --gpu-telemetry scrapes the mock's DCGM endpoint into the JSONL, JSON and console", async () => {
  const r = await runProfile(
    url,
    ["--streaming", "--request-count", "60", "--concurrency", "6", "--osl", "40", "--isl", "32", "--gpu-telemetry", `${url}/dcgm/metrics`],
    { AIPERF_GPU_COLLECTION_INTERVAL: "0.05" },
  );
  expect(r.code).toBe(0);
  const text = r.out;
  const out = r.dir;
  expect(text).toContain("NVIDIA AIPerf | GPU Telemetry");
  expect(text).toContain("GPU 1 | NVIDIA H100 80GB HBM3 (mock)");
  expect(text).toContain("Total GPU Energy:");

  const lines = readFileSync(join(out, "gpu_telemetry_export.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThanOrEqual(4);
  expect(new Set(lines.map((l) => l.gpu_index))).toEqual(new Set([0, 1]));
  expect(lines[0].dcgm_url).toBe(`${url}/dcgm/metrics`);

  const json = readExport(out);
  expect(json.request_count.avg).toBe(60);
  const endpoint = `${url.replace("http://", "")}/dcgm/metrics`;
  const gpu0 = json.telemetry_data.endpoints[endpoint].gpus.gpu_0;
  // Schema 1.5: per-GPU platform, vendor-scoped metric names, sample count.
  expect(gpu0.platform).toBe("nvidia");
  expect(gpu0.metrics.gpu_power_usage).toBeUndefined();
  expect(gpu0.metrics.nvidia_power_usage.unit).toBe("W");
  expect(gpu0.metrics.nvidia_power_usage.count).toBeGreaterThan(0);
  // Load raised the fake GPU's power above its 65 W idle while requests streamed.
  expect(gpu0.metrics.nvidia_power_usage.max).toBeGreaterThan(65);
  expect(gpu0.metrics.nvidia_energy_consumption.unit).toBe("J");
  expect(gpu0.metrics.nvidia_energy_consumption.avg).toBeGreaterThan(0);
  // The CSV ends with upstream's GPU section: a row per GPU and metric.
  const csv = readFileSync(join(out, "profile_export_aiperf.csv"), "utf8");
  expect(csv).toContain("\r\n\r\n\r\nEndpoint,GPU_Index,GPU_Name,GPU_UUID,Platform,Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\r\n");
  expect(csv).toContain(`${endpoint},1,NVIDIA H100 80GB HBM3 (mock),`);
  expect(csv).toMatch(/,nvidia,NVIDIA GPU Power Usage \(W\),[0-9]/);
  const energy = json.total_gpu_energy.avg as number;
  expect(json.total_gpu_energy.unit).toBe("J");
  expect(energy).toBeGreaterThan(0);
  expect(json.average_gpu_power.unit).toBe("W");
  expect(json.energy_per_request.avg).toBeCloseTo(energy / 60, 6);
  expect(json.output_tokens_per_joule.avg).toBeCloseTo(json.total_output_tokens.avg / energy, 6);
  expect(json.energy_per_output_token.avg).toBeCloseTo((energy * 1000) / json.total_output_tokens.avg, 6);
  // The records' own metrics are still there.
  expect(json.time_to_first_token.unit).toBe("ms");
}, 90_000);

test("--no-gpu-telemetry starts no collector and writes no telemetry", async () => {
  const r = await runProfile(url, ["--request-count", "5", "--no-gpu-telemetry", "--gpu-telemetry", `${url}/dcgm/metrics`]);
  expect(r.code).toBe(0);
  const text = r.out;
  const out = r.dir;
  expect(text).not.toContain("GPU Telemetry");
  expect(existsSync(join(out, "gpu_telemetry_export.jsonl"))).toBe(false);
  expect(readExport(out).telemetry_data).toBeUndefined();
}, 90_000);
