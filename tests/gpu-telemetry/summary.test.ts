import { expect, test } from "bun:test";
import type { GpuSample } from "../../src/services/gpu-telemetry/fields.ts";
import { renderGpuConsole } from "../../src/services/gpu-telemetry/console.ts";
import { endpointKey, energyJoules, energyMetrics, groupByGpu, gpuMetrics, telemetryBlock, windowOf } from "../../src/services/gpu-telemetry/summary.ts";

const S = 1e9;
/** A sample at `sec` seconds whose energy counter reads `joules` (stored in MJ, as DCGM's field becomes). */
function at(sec: number, joules: number, power: number, gpu = 0, source = "http://h:9400/metrics"): GpuSample {
  return {
    source,
    timestampNs: sec * S,
    gpuIndex: gpu,
    gpuUuid: `GPU-${gpu}`,
    gpuName: "Fake GPU",
    hostname: "h",
    values: { energy_consumption: joules / 1e6, gpu_power_usage: power },
  };
}

test("energy is the counter's increase over the window, interpolated at its edges", () => {
  const samples = [at(0, 1000, 100), at(1, 1100, 100), at(2, 1300, 200), at(3, 1500, 200)];
  expect(energyJoules(samples, { startNs: 0, endNs: 3 * S })).toBeCloseTo(500, 6);
  // Window 0.5 s .. 2.5 s: counter 1050 → 1400.
  expect(energyJoules(samples, { startNs: 0.5 * S, endNs: 2.5 * S })).toBeCloseTo(350, 6);
  // A window past the samples is clamped to what was seen.
  expect(energyJoules(samples, { startNs: -5 * S, endNs: 10 * S })).toBeCloseTo(500, 6);
});

test("a counter reset loses only the interval it happened in", () => {
  const samples = [at(0, 5000, 100), at(1, 5100, 100), at(2, 40, 100), at(3, 140, 100)];
  expect(energyJoules(samples, { startNs: 0, endNs: 3 * S })).toBeCloseTo(200, 6);
  expect(energyJoules([at(0, 1, 1)], { startNs: 0, endNs: 1 })).toBe(0);
  expect(energyJoules([], { startNs: 0, endNs: 1 })).toBeUndefined();
});

test("energy metrics: totals over every GPU, per token and per request", () => {
  const samples = [at(0, 0, 100, 0), at(10, 1000, 100, 0), at(0, 0, 300, 1), at(10, 3000, 300, 1)];
  const series = groupByGpu(samples);
  expect(series.length).toBe(2);
  const window = windowOf(series, 0, 10 * S);
  if (window === undefined) throw new Error("no window");
  const m = energyMetrics(series, window, { outputTokens: 2000, requests: 40 });
  expect(m.total_gpu_energy).toEqual({ unit: "J", avg: 4000 });
  expect(m.average_gpu_power).toEqual({ unit: "W", avg: 400 });
  expect(m.output_tokens_per_joule).toEqual({ unit: "tokens/J", avg: 0.5 });
  expect(m.energy_per_output_token).toEqual({ unit: "mJ", avg: 2000 });
  expect(m.energy_per_request).toEqual({ unit: "J", avg: 100 });
  // Without totals, only the energy itself and the power are reported.
  expect(Object.keys(energyMetrics(series, window, {}))).toEqual(["total_gpu_energy", "average_gpu_power"]);
});

test("per-GPU statistics use the window's samples; the block is keyed endpoint → GPU", () => {
  const samples = [at(0, 0, 50), at(1, 100, 100), at(2, 300, 200), at(3, 600, 300), at(9, 900, 999)];
  const series = groupByGpu(samples);
  const window = { startNs: 1 * S, endNs: 3 * S };
  const m = gpuMetrics(series[0] as (typeof series)[0], window);
  expect(m.gpu_power_usage).toMatchObject({ unit: "W", avg: 200, min: 100, max: 300, p50: 200 });
  expect(m.energy_consumption).toEqual({ unit: "J", avg: 500 });
  const block = telemetryBlock(series, window, ["http://h:9400/metrics", "http://h:9401/metrics"]) as {
    summary: Record<string, unknown>;
    endpoints: Record<string, { gpus: Record<string, { gpu_uuid: string; metrics: Record<string, unknown> }> }>;
  };
  expect(block.summary.endpoints_configured).toEqual(["h:9400", "h:9401"]);
  expect(block.summary.endpoints_successful).toEqual(["h:9400"]);
  expect(block.endpoints["h:9400"]?.gpus.gpu_0?.gpu_uuid).toBe("GPU-0");
  // Schema 1.5: platform on each GPU, nvidia_* names (upstream's), sample count kept.
  expect(block.endpoints["h:9400"]?.gpus.gpu_0).toMatchObject({ platform: "nvidia" });
  expect(block.endpoints["h:9400"]?.gpus.gpu_0?.metrics.nvidia_power_usage).toMatchObject({ unit: "W", avg: 200, count: 3 });
  expect(block.endpoints["h:9400"]?.gpus.gpu_0?.metrics.nvidia_energy_consumption).toEqual({ unit: "J", avg: 500 });
  expect(block.endpoints["h:9400"]?.gpus.gpu_0?.metrics.gpu_power_usage).toBeUndefined();
  expect(endpointKey("nvml://localhost")).toBe("nvml://localhost");
  const text = renderGpuConsole(series, window, { total_gpu_energy: { unit: "J", avg: 500 } });
  expect(text).toContain("NVIDIA AIPerf | GPU Telemetry | h:9400 | GPU 0 | Fake GPU");
  expect(text).toContain("GPU Power Usage (W)");
  expect(text).toContain("Energy Consumed (J)");
  expect(text).toContain("Total GPU Energy: 500.00 J");
});
