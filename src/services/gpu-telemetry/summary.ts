/**
 * From collected samples to what the run reports: per-GPU statistics over the profiling window,
 * energy as the counter's increase over that window, and the energy metrics derived from it.
 * Pure functions; the role only feeds them samples.
 */
import { summarizeSeries } from "../../metrics/stats.ts";
import type { ScalarMetric } from "../../protocol/gpu-telemetry.ts";
import { FIELDS, type GpuField, type GpuSample } from "./fields.ts";

export type Window = { startNs: number; endNs: number };

/** Samples of one GPU of one source, oldest first. */
export type GpuSeries = { source: string; gpuIndex: number; gpuUuid: string; gpuName: string; hostname: string; samples: GpuSample[] };

export function groupByGpu(samples: readonly GpuSample[]): GpuSeries[] {
  const groups = new Map<string, GpuSeries>();
  for (const s of samples) {
    const key = `${s.source}|${s.gpuIndex}|${s.gpuUuid}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { source: s.source, gpuIndex: s.gpuIndex, gpuUuid: s.gpuUuid, gpuName: s.gpuName, hostname: s.hostname, samples: [] };
      groups.set(key, g);
    }
    g.samples.push(s);
  }
  for (const g of groups.values()) g.samples.sort((a, b) => a.timestampNs - b.timestampNs);
  return [...groups.values()];
}

/** The profiling window, or the span of the samples when the run gave none. */
export function windowOf(series: readonly GpuSeries[], startNs?: number | null, endNs?: number | null): Window | undefined {
  const times = series.flatMap((g) => g.samples.map((s) => s.timestampNs));
  if (times.length === 0) return undefined;
  return { startNs: startNs ?? Math.min(...times), endNs: endNs ?? Math.max(...times) };
}

/**
 * Joules the GPU drew in the window: the energy counter (MJ) read at the window's edges by linear
 * interpolation between the samples around them, plus every sample inside. Increases are summed
 * and decreases skipped, so a counter reset (driver reload) loses one interval, not the run.
 */
export function energyJoules(samples: readonly GpuSample[], window: Window): number | undefined {
  const points = samples.flatMap((s) => (s.values.energy_consumption === undefined ? [] : [{ t: s.timestampNs, e: s.values.energy_consumption }]));
  if (points.length < 2) return points.length === 1 ? 0 : undefined;
  const at = (t: number): number => {
    const first = points[0] as { t: number; e: number };
    const last = points[points.length - 1] as { t: number; e: number };
    if (t <= first.t) return first.e;
    if (t >= last.t) return last.e;
    const i = points.findIndex((p) => p.t >= t);
    const a = points[i - 1] as { t: number; e: number };
    const b = points[i] as { t: number; e: number };
    return b.t === a.t ? b.e : a.e + ((b.e - a.e) * (t - a.t)) / (b.t - a.t);
  };
  const inside = points.filter((p) => p.t > window.startNs && p.t < window.endNs).map((p) => p.e);
  const path = [at(window.startNs), ...inside, at(window.endNs)];
  let mj = 0;
  for (let i = 1; i < path.length; i++) mj += Math.max(0, (path[i] as number) - (path[i - 1] as number));
  return mj * 1e6;
}

type MetricStats = { unit: string } & Record<string, number | string>;

/** Statistics of every field over the window's samples; energy is the window's delta in J. */
export function gpuMetrics(g: GpuSeries, window: Window): Record<string, MetricStats> {
  const inWindow = g.samples.filter((s) => s.timestampNs >= window.startNs && s.timestampNs <= window.endNs);
  const out: Record<string, MetricStats> = {};
  for (const def of FIELDS) {
    if (def.field === "energy_consumption") {
      const joules = energyJoules(g.samples, window);
      if (joules !== undefined) out[def.field] = { unit: "J", avg: joules };
      continue;
    }
    const values = inWindow.flatMap((s) => (s.values[def.field] === undefined ? [] : [s.values[def.field] as number]));
    if (values.length === 0) continue;
    // count: samples in the window, as upstream's GPU metric blocks carry it.
    out[def.field] = { unit: def.unit, ...summarizeSeries(values) };
  }
  return out;
}

type Totals = { outputTokens?: number | null; requests?: number | null };

/** The run-level energy metrics; a metric whose inputs are missing or zero is left out. */
export function energyMetrics(series: readonly GpuSeries[], window: Window, totals: Totals): Record<string, ScalarMetric> {
  const perGpu = series.map((g) => energyJoules(g.samples, window)).filter((j): j is number => j !== undefined);
  if (perGpu.length === 0) return {};
  const joules = perGpu.reduce((a, b) => a + b, 0);
  const out: Record<string, ScalarMetric> = { total_gpu_energy: { unit: "J", avg: joules } };
  const seconds = (window.endNs - window.startNs) / 1e9;
  if (seconds > 0) out.average_gpu_power = { unit: "W", avg: joules / seconds };
  const tokens = totals.outputTokens ?? 0;
  if (joules > 0 && tokens > 0) {
    out.output_tokens_per_joule = { unit: "tokens/J", avg: tokens / joules };
    out.energy_per_output_token = { unit: "mJ", avg: (joules * 1000) / tokens };
  }
  const requests = totals.requests ?? 0;
  if (joules > 0 && requests > 0) out.energy_per_request = { unit: "J", avg: joules / requests };
  return out;
}

/** `host:port` for a default-path exporter URL, as upstream keys endpoints; any other path is kept. */
export function endpointKey(source: string): string {
  return source.startsWith("http") ? source.replace(/^https?:\/\//, "").replace(/^([^/]*)\/metrics$/, "$1") : source;
}

/** Schema 1.5 scopes GPU metric names by vendor: everything we read comes from DCGM or NVML. */
export const GPU_PLATFORM = "nvidia";

/**
 * Upstream's schema 1.5 name and CSV label of each field (its GPU telemetry constants and
 * documented examples), in its CSV order; fields upstream does not have get `nvidia_<field>`.
 */
export const UPSTREAM_GPU_FIELDS: readonly { field: GpuField; key: string; header: string }[] = [
  { field: "gpu_power_usage", key: "nvidia_power_usage", header: "NVIDIA GPU Power Usage" },
  { field: "energy_consumption", key: "nvidia_energy_consumption", header: "NVIDIA Energy Consumption" },
  { field: "gpu_utilization", key: "nvidia_gpu_utilization", header: "NVIDIA GPU Utilization" },
  { field: "memory_copy_utilization", key: "nvidia_memory_utilization", header: "NVIDIA Memory Utilization" },
  { field: "gpu_memory_used", key: "nvidia_memory_used", header: "NVIDIA GPU Memory Used" },
  { field: "gpu_memory_free", key: "nvidia_fb_free", header: "Framebuffer Memory Free" },
  { field: "sm_clock_frequency", key: "nvidia_sm_clock", header: "SM Clock Frequency" },
  { field: "memory_clock_frequency", key: "nvidia_mem_clock", header: "Memory Clock Frequency" },
  { field: "memory_temperature", key: "nvidia_memory_temp", header: "Memory Temperature" },
  { field: "gpu_temperature", key: "nvidia_temperature", header: "NVIDIA GPU Temperature" },
  { field: "xid_errors", key: "nvidia_xid_errors", header: "NVIDIA XID Errors" },
  { field: "power_violation", key: "nvidia_power_violation", header: "NVIDIA Power Violation" },
  { field: "thermal_violation", key: "nvidia_thermal_violation", header: "NVIDIA Thermal Violation" },
];
const UPSTREAM_KEY = new Map(UPSTREAM_GPU_FIELDS.map((f) => [f.field as string, f.key]));
const vendorMetricName = (field: string): string => UPSTREAM_KEY.get(field) ?? `${GPU_PLATFORM}_${field}`;

/** Each metric under its vendor-scoped name, in upstream's order. */
function vendorScoped(metrics: Record<string, MetricStats>): Record<string, MetricStats> {
  const out: Record<string, MetricStats> = {};
  for (const f of UPSTREAM_GPU_FIELDS) if (metrics[f.field] !== undefined) out[f.key] = metrics[f.field] as MetricStats;
  return out;
}

/**
 * The `telemetry_data` block (schema 1.5): summary, then endpoint → GPU (with its `platform`) →
 * metric statistics under `nvidia_*` names.
 */
export function telemetryBlock(series: readonly GpuSeries[], window: Window, configured: readonly string[]): Record<string, unknown> {
  const endpoints: Record<string, { gpus: Record<string, unknown> }> = {};
  for (const g of series) {
    const ep = (endpoints[endpointKey(g.source)] ??= { gpus: {} });
    ep.gpus[`gpu_${g.gpuIndex}`] = {
      gpu_index: g.gpuIndex,
      gpu_name: g.gpuName,
      gpu_uuid: g.gpuUuid,
      hostname: g.hostname,
      platform: GPU_PLATFORM,
      samples: g.samples.length,
      metrics: vendorScoped(gpuMetrics(g, window)),
    };
  }
  return {
    summary: {
      endpoints_configured: configured.map(endpointKey),
      endpoints_successful: Object.keys(endpoints),
      start_time: new Date(window.startNs / 1e6).toISOString(),
      end_time: new Date(window.endNs / 1e6).toISOString(),
      start_ns: window.startNs,
      end_ns: window.endNs,
      energy_note: "energy_consumption is the counter's increase over the window, in J",
    },
    endpoints,
  };
}

/** One gpu_telemetry_export.jsonl line (upstream's TelemetryRecord shape). */
export function jsonlLine(s: GpuSample): string {
  return JSON.stringify({
    timestamp_ns: Math.round(s.timestampNs),
    dcgm_url: s.source,
    gpu_index: s.gpuIndex,
    gpu_uuid: s.gpuUuid,
    gpu_model_name: s.gpuName,
    hostname: s.hostname,
    platform: GPU_PLATFORM,
    // Schema 1.5 names, as in telemetry_data.
    telemetry_data: Object.fromEntries(Object.entries(s.values).map(([k, v]) => [vendorMetricName(k), v])),
  });
}
