/**
 * What the records service's "finalize" returns: its summary of the run, nothing rendered into
 * files. Plain data shared by the records role (metrics/ computes it), the controller (which gets
 * it over the control plane) and export/run-report.ts (which renders it), so the records contract
 * can name its reply without importing a layer above protocol.
 */
import type { RecordError } from "../records/record.ts";

export const STAT_KEYS = ["avg", "min", "max", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std"] as const;
export type StatKey = (typeof STAT_KEYS)[number];

/** One metric over the run, in its BASE unit. Scalars carry only `avg` (and count 1); record metrics their `sum`. */
export type MetricResult = {
  tag: string;
  header: string;
  unit: string;
  count: number;
  sum?: number;
} & { avg: number } & Partial<Record<Exclude<StatKey, "avg">, number>>;

export type ErrorSummaryEntry = { error: RecordError; count: number };

export type RecordsSummary = {
  results: MetricResult[];
  warmupResults: MetricResult[];
  errorSummary: ErrorSummaryEntry[];
  /** Our JSON blocks only the records can fill (arrival fidelity, run validity, token accounting, reply anomalies, incomplete), in file order. */
  blocks: Record<string, unknown>;
  /** Console sections under the tables only the records hold the data for (token accounting, client check). */
  consoleText: string;
  /** Why the results are incomplete (services lost, records lost); empty when they are not. */
  incomplete: string[];
  validCount: number;
  errorCount: number;
  /** Profiling records that arrived, and those sent whose record never did. */
  received: number;
  lost: number;
  /** Set with a client check: false when the client was the bottleneck (reasons say why). */
  runValidity?: { valid: boolean; judged: boolean; reasons: string[] };
  /** The per-request files the records service wrote (JSONL, raw, timeslices, outputs). */
  files: string[];
};
