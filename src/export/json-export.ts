/**
 * `profile_export_aiperf.json` as upstream's schema 1.5 (docs/reference/json-export-schema.md):
 * schema_version, aiperf_version, benchmark_id, run_info, one key per exported metric in upstream's
 * declared order (record metrics with count and sum), input_config, was_cancelled, error_summary,
 * start_time, end_time, warmup_metrics, runtime_submission_invalid_reasons; then our own blocks.
 * telemetry_data and the energy metrics come last, as blocks of the run report (run-report.ts). Indent 2, display units.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isFileExported, toDisplayResult } from "../metrics/index.ts";
import type { ErrorSummaryEntry, MetricResult } from "../metrics/index.ts";
import { metricDef } from "../metrics/catalogue.ts";
import { convertUnit } from "../metrics/units.ts";
import { VERSION } from "../core/version.ts";
import { formatLocalIso } from "./local-time.ts";

export const JSON_FILE_NAME = "profile_export_aiperf.json";
/** Upstream's JsonExportData.SCHEMA_VERSION this file follows. */
export const JSON_SCHEMA_VERSION = "1.5";

/** Upstream's run_info (schema 1.2/1.3): what reproduces the run from this file alone. */
export type RunInfo = {
  benchmark_id: string;
  sweep_id: string | null;
  random_seed: number | null;
  trial: number;
  run_label: string;
  variation_label: string;
  variation_index: number;
  variation_values: Record<string, unknown>;
  cli_command: string | null;
};

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
  /** The user config in upstream's shape (input-config.ts), with cli_command. */
  inputConfig: unknown;
  /** Absent: a run_info for a single run without a seed is made up (fallback and unit tests). */
  runInfo?: RunInfo;
  /** Results of the warmup phase alone (schema 1.4 warmup_metrics); absent or empty: no key. */
  warmupResults?: readonly MetricResult[];
  /** Why the run is not valid for submission, found while it ran (upstream's list; empty when none). */
  invalidReasons?: readonly string[];
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

/**
 * One metric's JSON object: unit, then the statistics it has. Record metrics add count and sum
 * (schema 1.1); derived and aggregate ones carry unit and avg only, where a count of 1 would be
 * misread as the request count.
 */
export function jsonMetric(result: MetricResult): JsonMetric {
  const display = toDisplayResult(result);
  const out: JsonMetric = { unit: display.unit };
  for (const key of JSON_STAT_ORDER) {
    const v = display[key];
    if (v !== undefined) out[key] = v;
  }
  const def = metricDef(result.tag);
  if (def.kind === "record" && result.p50 !== undefined) {
    out.count = result.count;
    if (result.sum !== undefined) out.sum = convertUnit(result.sum, def.unit, def.displayUnit);
  }
  return out;
}

/** Metric blocks keyed by tag: upstream's declared ones in its order, then the rest. */
function metricBlocks(
  results: readonly MetricResult[],
  showInternal: boolean | undefined,
): { declared: Record<string, JsonMetric>; extra: Record<string, JsonMetric> } {
  const exported = results.filter((r) => isFileExported(r.tag, showInternal));
  const byTag = new Map(exported.map((r) => [r.tag, r]));
  const known = new Set<string>(JSON_METRIC_ORDER);
  const declared: Record<string, JsonMetric> = {};
  for (const tag of JSON_METRIC_ORDER) {
    const r = byTag.get(tag);
    if (r) declared[tag] = jsonMetric(r);
  }
  const extra: Record<string, JsonMetric> = {};
  for (const r of exported) if (!known.has(r.tag)) extra[r.tag] = jsonMetric(r);
  return { declared, extra };
}

/** run_info of a single run (no sweep, no trials). */
export function singleRunInfo(benchmarkId: string, randomSeed: number | null, cliCommand: string | null): RunInfo {
  return {
    benchmark_id: benchmarkId,
    sweep_id: null,
    random_seed: randomSeed,
    trial: 0,
    run_label: "run_0001",
    variation_label: "base",
    variation_index: 0,
    variation_values: {},
    cli_command: cliCommand,
  };
}

/**
 * The JSON document as a plain object, keys in file order. Metrics without results are left out
 * (upstream meant `exclude_unset`; its custom serializer defeats it and writes `null` instead).
 */
export function buildJsonExport(input: JsonExportInput): Record<string, unknown> {
  const metrics = metricBlocks(input.results, input.showInternal);
  const cli = (input.inputConfig as { cli_command?: unknown } | null)?.cli_command;
  const runInfo = input.runInfo ?? singleRunInfo(crypto.randomUUID(), null, typeof cli === "string" ? cli : null);
  const doc: Record<string, unknown> = {
    schema_version: JSON_SCHEMA_VERSION,
    aiperf_version: VERSION,
    benchmark_id: runInfo.benchmark_id,
    run_info: runInfo,
    ...metrics.declared,
  };
  const time = (ns: number | null): string | null => (ns ? formatLocalIso(ns, input.utcOffsetMinutes) : null);
  doc.input_config = input.inputConfig ?? null;
  doc.was_cancelled = input.wasCancelled;
  doc.error_summary = input.errorSummary.map(({ error, count }) => ({
    error_details: { code: error.code, type: error.type, message: error.message },
    count,
  }));
  doc.start_time = time(input.startNs);
  doc.end_time = time(input.endNs);
  const warmup = metricBlocks(input.warmupResults ?? [], input.showInternal);
  if ((input.warmupResults ?? []).length > 0) doc.warmup_metrics = { ...warmup.declared, ...warmup.extra };
  doc.runtime_submission_invalid_reasons = [...(input.invalidReasons ?? [])];
  // Extra tags (experimental/internal in developer mode) come last, as pydantic puts extras.
  Object.assign(doc, metrics.extra);
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
