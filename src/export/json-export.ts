/**
 * `profile_export_aiperf.json` (reference/aiperf-features.md §6.2), GenAI-Perf compatible: one key
 * per exported metric in upstream's declared order, then input_config, was_cancelled,
 * error_summary, start_time, end_time. Indent 2, values in display units.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isFileExported, toDisplayResult } from "../metrics/index.ts";
import type { ErrorSummaryEntry, MetricResult } from "../metrics/index.ts";
import { formatLocalIso } from "./local-time.ts";

export const JSON_FILE_NAME = "profile_export_aiperf.json";

/** Upstream's declared field order (JsonExportData). Other exported tags follow at the end. */
export const JSON_METRIC_ORDER = [
  "request_throughput",
  "request_latency",
  "request_count",
  "time_to_first_token",
  "time_to_second_token",
  "inter_token_latency",
  "output_token_throughput",
  "output_token_throughput_per_user",
  "output_sequence_length",
  "input_sequence_length",
  "goodput",
  "good_request_count",
  "output_token_count",
  "reasoning_token_count",
  "min_request_timestamp",
  "max_response_timestamp",
  "inter_chunk_latency",
  "total_output_tokens",
  "total_reasoning_tokens",
  "benchmark_duration",
  "total_isl",
  "total_osl",
  "error_request_count",
  "error_isl",
  "total_error_isl",
] as const;

/** Statistic order inside one metric (JsonMetricResult), after "unit". */
const JSON_STAT_ORDER = ["avg", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "min", "max", "std"] as const;

export type JsonExportInput = {
  results: readonly MetricResult[];
  /** The user config as upstream dumps it (explicitly set fields, plus cli_command). */
  inputConfig: unknown;
  wasCancelled: boolean;
  errorSummary: readonly ErrorSummaryEntry[];
  /** Profiling phase start/end, epoch ns; null prints null. */
  startNs: number | null;
  endNs: number | null;
  showInternal?: boolean;
  /** Minutes east of UTC for start/end_time; default: this machine's zone at that instant. */
  utcOffsetMinutes?: number;
  /** Our own blocks beyond upstream (e.g. token_accounting, peer_metrics), written last in this order. */
  blocks?: Record<string, unknown>;
};

type JsonMetric = { unit: string } & Record<string, number | string>;

/** One metric's JSON object: unit, then the statistics it has (scalars: unit and avg only). */
export function jsonMetric(result: MetricResult): JsonMetric {
  const display = toDisplayResult(result);
  const out: JsonMetric = { unit: display.unit };
  for (const key of JSON_STAT_ORDER) {
    const v = display[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * The JSON document as a plain object, keys in file order. Metrics without results are left out
 * (upstream meant `exclude_unset`; its custom serializer defeats it and writes `null` instead).
 */
export function buildJsonExport(input: JsonExportInput): Record<string, unknown> {
  const exported = input.results.filter((r) => isFileExported(r.tag, input.showInternal));
  const byTag = new Map(exported.map((r) => [r.tag, r]));
  const declared = new Set<string>(JSON_METRIC_ORDER);
  const doc: Record<string, unknown> = {};
  for (const tag of JSON_METRIC_ORDER) {
    const r = byTag.get(tag);
    if (r) doc[tag] = jsonMetric(r);
  }
  const time = (ns: number | null): string | null => (ns ? formatLocalIso(ns, input.utcOffsetMinutes) : null);
  doc.input_config = input.inputConfig ?? null;
  doc.was_cancelled = input.wasCancelled;
  doc.error_summary = input.errorSummary.map(({ error, count }) => ({
    error_details: { code: error.code, type: error.type, message: error.message },
    count,
  }));
  doc.start_time = time(input.startNs);
  doc.end_time = time(input.endNs);
  // Extra tags (experimental/internal in developer mode) come last, as pydantic puts extras.
  for (const r of exported) if (!declared.has(r.tag)) doc[r.tag] = jsonMetric(r);
  for (const [key, block] of Object.entries(input.blocks ?? {})) if (block !== undefined) doc[key] = block;
  return doc;
}

export function renderJsonExport(input: JsonExportInput): string {
  return JSON.stringify(buildJsonExport(input), null, 2);
}

export async function writeJsonExport(path: string, input: JsonExportInput): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderJsonExport(input), "utf8");
}
