/**
 * `outputs.json` (upstream's OutputsJsonExporter, schema 1.1): every request's generated text with
 * its ids, wall times and a few per-request metrics; profiling requests in `data`, warmup ones in
 * `warmup`, each sorted by session_num then turn_index.
 * And `profile_export_raw.jsonl` lines (--export-level raw): the record's metadata with the request
 * body and the reply's reads.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RecordMetrics } from "../metrics/index.ts";
import type { RequestRecord } from "../records/record.ts";
import { buildRecordLine } from "./jsonl-export.ts";

const OUTPUTS_SCHEMA_VERSION = "1.1";
/** The per-request metrics upstream copies into each entry, as plain values in display units; a metric the record lacks (TTFT of a non-streaming request) is left out. */
const OUTPUT_METRICS = [
  "input_sequence_length",
  "output_token_count",
  "output_sequence_length",
  "request_latency",
  "time_to_first_token",
  "inter_token_latency",
] as const;

export type OutputEntry = {
  session_num: number;
  conversation_id: string;
  turn_index: number;
  x_request_id: string;
  benchmark_phase: RequestRecord["phase"];
  request_start_ns: number;
  request_end_ns: number;
  metrics: Record<string, number | number[]>;
  response_text: string | null;
};

export function outputEntry(record: RequestRecord, metrics: RecordMetrics): OutputEntry {
  const line = buildRecordLine(record, metrics);
  const kept: OutputEntry["metrics"] = {};
  for (const tag of OUTPUT_METRICS) {
    const m = line.metrics[tag];
    if (m !== undefined) kept[tag] = m.value;
  }
  return {
    session_num: record.sessionNum,
    conversation_id: record.conversationId,
    turn_index: record.turnIndex,
    x_request_id: record.xRequestId,
    benchmark_phase: record.phase,
    request_start_ns: line.metadata.request_start_ns,
    request_end_ns: line.metadata.request_end_ns,
    metrics: kept,
    response_text: record.responseText ?? null,
  };
}

export function buildOutputsJson(entries: readonly OutputEntry[]): { schema_version: string; data: OutputEntry[]; warmup: OutputEntry[] } {
  const order = (a: OutputEntry, b: OutputEntry): number => a.session_num - b.session_num || a.turn_index - b.turn_index;
  return {
    schema_version: OUTPUTS_SCHEMA_VERSION,
    data: entries.filter((e) => e.benchmark_phase === "profiling").sort(order),
    warmup: entries.filter((e) => e.benchmark_phase !== "profiling").sort(order),
  };
}

export async function writeOutputsJson(path: string, entries: readonly OutputEntry[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(buildOutputsJson(entries), null, 2), "utf8");
}

/** One profile_export_raw.jsonl line: metadata as in profile_export.jsonl, then the bodies. */
export function rawRecordLine(record: RequestRecord, metrics: RecordMetrics): string {
  const line = buildRecordLine(record, metrics);
  return JSON.stringify({
    metadata: line.metadata,
    start_perf_ns: Math.round(record.startNs),
    payload: record.raw?.payload ?? null,
    status: record.raw?.status ?? null,
    responses: record.raw?.responses ?? [],
    error: line.error,
  });
}
