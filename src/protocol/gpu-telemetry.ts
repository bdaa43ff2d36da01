/** The gpu-telemetry service's "configure" and "finalize" payloads and its finalize reply. */
import * as v from "valibot";

export const GpuTelemetryConfig = v.object({
  /** DCGM exporter endpoints, already normalised (http://host:port/metrics). */
  urls: v.array(v.string()),
  intervalMs: v.pipe(v.number(), v.minValue(10)),
  artifactDir: v.string(),
  /** Read local GPUs through libnvidia-ml when no exporter answers. */
  useNvml: v.boolean(),
  /** URLs the user named: a dead one is a warning; a dead default is only a debug line. */
  explicit: v.optional(v.boolean(), false),
  /** The JSONL's name (<prefix>_gpu_telemetry.jsonl with --profile-export-prefix); absent: gpu_telemetry_export.jsonl. */
  jsonlName: v.optional(v.string()),
});
export type GpuTelemetryConfig = v.InferOutput<typeof GpuTelemetryConfig>;

export const GpuFinalizeRequest = v.object({
  profilingStartWallNs: v.optional(v.nullable(v.number())),
  profilingEndWallNs: v.optional(v.nullable(v.number())),
  totalOutputTokens: v.optional(v.nullable(v.number())),
  requestCount: v.optional(v.nullable(v.number())),
});
export type GpuFinalizeRequest = v.InferOutput<typeof GpuFinalizeRequest>;

/** A scalar metric as profile_export_aiperf.json shows one. */
export type ScalarMetric = { unit: string; avg: number };

export type GpuFinalizeResult = {
  /** False when no endpoint (nor NVML) produced a sample: nothing was written. */
  collected: boolean;
  /** The `telemetry_data` block of profile_export_aiperf.json. */
  telemetry: Record<string, unknown> | null;
  /** total_gpu_energy, average_gpu_power, output_tokens_per_joule, energy_per_output_token, energy_per_request. */
  energy: Record<string, ScalarMetric>;
  /** Per-GPU tables for the console ("" when nothing was collected). */
  consoleText: string;
  files: string[];
};
