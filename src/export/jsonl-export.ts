/**
 * `profile_export.jsonl` (reference/aiperf-features.md §6.2): one line per profiling request with
 * its metadata (times as epoch ns), its metrics in display units, and its error.
 */
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { displayValuesJson, requestEndNs, toDisplayValues } from "../metrics/index.ts";
import type { DisplayValue, RecordMetrics } from "../metrics/index.ts";
import { accountRecord } from "../metrics/reconcile.ts";
import type { RecordError, RequestRecord } from "../records/record.ts";
import { recordAccountingJson } from "./reconcile-panel.ts";

export const JSONL_FILE_NAME = "profile_export.jsonl";

/** Upstream's MetricRecordInfo, field for field. */
export type RecordLine = {
  metadata: {
    session_num: number;
    x_request_id: string;
    x_correlation_id: string;
    conversation_id: string;
    turn_index: number;
    request_start_ns: number;
    request_ack_ns: number | null;
    request_end_ns: number;
    worker_id: string;
    record_processor_id: string;
    benchmark_phase: RequestRecord["phase"];
    was_cancelled: boolean;
    cancellation_time_ns: number | null;
  };
  metrics: Record<string, DisplayValue>;
  error: RecordError | null;
  /** Ours: tokenizer vs server vs chunk counts of this request (reconcile-panel.ts). */
  token_accounting?: Record<string, number | null>;
  /** Ours: SSE data lines that were not valid JSON in this (still valid) stream; absent when none. */
  invalid_sse_lines?: number;
  /** Ours: the failed first attempt of a request sent again on a fresh connection; absent when none. */
  retry?: { first_attempt_start_ns: number; first_attempt_error: RecordError };
};

/**
 * Epoch ns of a monotonic instant of the record, exact to the nanosecond relative to
 * `wallStartNs`: a double near 1.7e18 is only good to 256 ns, so the sum is done in BigInt and
 * end − start in the file equals the measured latency exactly.
 */
function exactWallNs(record: RequestRecord, monoNs: number): bigint {
  return BigInt(Math.round(record.wallStartNs)) + BigInt(Math.round(monoNs - record.startNs));
}

const WALL_KEYS = ["request_start_ns", "request_ack_ns", "request_end_ns", "cancellation_time_ns"] as const;
type WallKey = (typeof WALL_KEYS)[number];

function wallTimes(record: RequestRecord): Record<WallKey, bigint | null> {
  return {
    request_start_ns: exactWallNs(record, record.startNs),
    request_ack_ns: record.ackNs === null ? null : exactWallNs(record, record.ackNs),
    request_end_ns: exactWallNs(record, requestEndNs(record)),
    cancellation_time_ns: record.cancellationNs === null ? null : exactWallNs(record, record.cancellationNs),
  };
}

/** The line as an object (wall times as the nearest doubles; formatRecordLine writes them exactly). */
export function buildRecordLine(record: RequestRecord, metrics: RecordMetrics, showInternal = false): RecordLine {
  const wall = wallTimes(record);
  const num = (v: bigint | null): number | null => (v === null ? null : Number(v));
  return {
    metadata: {
      session_num: record.sessionNum,
      x_request_id: record.xRequestId,
      x_correlation_id: record.xCorrelationId,
      conversation_id: record.conversationId,
      turn_index: record.turnIndex,
      request_start_ns: Number(wall.request_start_ns),
      request_ack_ns: num(wall.request_ack_ns),
      request_end_ns: Number(wall.request_end_ns),
      worker_id: record.workerId,
      record_processor_id: record.recordProcessorId,
      benchmark_phase: record.phase,
      was_cancelled: record.wasCancelled,
      cancellation_time_ns: num(wall.cancellation_time_ns),
    },
    ...lineAfterMetadata(record, metrics, showInternal),
  };
}

/** Everything of the line after its metadata, in the line's key order. */
function lineAfterMetadata(record: RequestRecord, metrics: RecordMetrics, showInternal: boolean): Omit<RecordLine, "metadata"> {
  return { metrics: toDisplayValues(metrics.values, showInternal), ...lineAfterMetrics(record, metrics) };
}

/** What follows the metrics (always the error first). */
function lineAfterMetrics(record: RequestRecord, metrics: RecordMetrics): Omit<RecordLine, "metadata" | "metrics"> {
  return {
    error: metrics.error && { code: metrics.error.code, type: metrics.error.type, message: metrics.error.message },
    ...accountingOf(record, metrics),
    ...(record.invalidSseLines === undefined ? {} : { invalid_sse_lines: record.invalidSseLines }),
    ...(record.retriedAfter === undefined
      ? {}
      : { retry: { first_attempt_start_ns: Number(exactWallNs(record, record.retriedAfter.startNs)), first_attempt_error: record.retriedAfter.error } }),
  };
}

function accountingOf(record: RequestRecord, metrics: RecordMetrics): Pick<RecordLine, "token_accounting"> {
  const a = metrics.valid ? accountRecord(record) : null;
  return a === null ? {} : { token_accounting: recordAccountingJson(a) };
}

/**
 * One JSONL line (no newline). Upstream skips a record whose metric dict comes out empty (an
 * embeddings error has no error_isl), losing failed requests from the file; we always write it.
 * The text is JSON.stringify of buildRecordLine's line with the wall times exact. The metadata is
 * written by hand (each wall time one BigInt sum) and only the rest goes through stringify: the
 * exact times as raw JSON values on a copy of the metadata had cost as much again as the whole
 * line's stringify (a replacer function, called for every value, three times that).
 */
export function formatRecordLine(record: RequestRecord, metrics: RecordMetrics, showInternal = false): string {
  if (!plainMetadata(record)) return formatGeneric(record, metrics, showInternal);
  const wall = wallTimes(record);
  const metadata =
    `{"session_num":${jsonNumber(record.sessionNum)},"x_request_id":${JSON.stringify(record.xRequestId)},` +
    `"x_correlation_id":${JSON.stringify(record.xCorrelationId)},"conversation_id":${JSON.stringify(record.conversationId)},` +
    `"turn_index":${jsonNumber(record.turnIndex)},"request_start_ns":${wall.request_start_ns},"request_ack_ns":${wall.request_ack_ns},` +
    `"request_end_ns":${wall.request_end_ns},"worker_id":${JSON.stringify(record.workerId)},"record_processor_id":${JSON.stringify(record.recordProcessorId)},` +
    `"benchmark_phase":${JSON.stringify(record.phase)},"was_cancelled":${record.wasCancelled},"cancellation_time_ns":${wall.cancellation_time_ns}}`;
  // The metrics written by hand too; the rest always holds the error, so its text is "{" and then a key.
  return `{"metadata":${metadata},"metrics":${displayValuesJson(metrics.values, showInternal)},${JSON.stringify(lineAfterMetrics(record, metrics)).slice(1)}`;
}

/** Whether every metadata field has its type, so the hand-written text is what stringify writes. */
function plainMetadata(r: RequestRecord): boolean {
  return (
    typeof r.sessionNum === "number" &&
    typeof r.turnIndex === "number" &&
    typeof r.xRequestId === "string" &&
    typeof r.xCorrelationId === "string" &&
    typeof r.conversationId === "string" &&
    typeof r.workerId === "string" &&
    typeof r.recordProcessorId === "string" &&
    typeof r.phase === "string" &&
    typeof r.wasCancelled === "boolean"
  );
}

/** A number as JSON.stringify writes it (NaN and infinities as null). */
function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : "null";
}

const rawJson = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;

/** The line of a record with a field of an unexpected type (missing, say): stringify decides, as it did before. */
function formatGeneric(record: RequestRecord, metrics: RecordMetrics, showInternal: boolean): string {
  const line = buildRecordLine(record, metrics, showInternal);
  if (!rawJson) return JSON.stringify(line);
  const wall = wallTimes(record);
  const metadata: Record<string, unknown> = { ...line.metadata };
  for (const key of WALL_KEYS) {
    const v = wall[key];
    metadata[key] = v === null || v === undefined ? null : rawJson(v.toString());
  }
  return JSON.stringify({ ...line, metadata });
}

/**
 * Appends lines to the JSONL file in batches (upstream: 100 lines), truncating any previous file.
 * Writes are serialised; `close()` flushes the rest and must be awaited.
 */
export class JsonlWriter {
  readonly #path: string;
  readonly #batchSize: number;
  #buffer: string[] = [];
  #handle: Promise<FileHandle> | null = null;
  #pending: Promise<void> = Promise.resolve();
  #written = 0;
  #closed = false;

  constructor(path: string, batchSize = 100) {
    this.#path = path;
    this.#batchSize = Math.max(1, batchSize);
  }

  /** Lines handed to the file so far. */
  get written(): number {
    return this.#written;
  }

  write(line: string): void {
    if (this.#closed) throw new Error(`JSONL writer for ${this.#path} is closed`);
    this.#buffer.push(line);
    // A failed write surfaces from the next awaited flush() or close(), not as an unhandled rejection.
    if (this.#buffer.length >= this.#batchSize) this.flush().catch(() => {});
  }

  /** Writes the buffered lines; resolves when they are in the file. */
  flush(): Promise<void> {
    const batch = this.#buffer;
    this.#buffer = [];
    const handle = this.#open();
    this.#pending = this.#pending.then(async () => {
      if (batch.length === 0) return;
      await (await handle).write(`${batch.join("\n")}\n`);
      this.#written += batch.length;
    });
    return this.#pending;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      const handle = this.#handle;
      this.#handle = null;
      if (handle) await (await handle).close();
    }
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= mkdir(dirname(this.#path), { recursive: true }).then(() => open(this.#path, "w"));
    return this.#handle;
  }
}
