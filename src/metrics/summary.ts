/**
 * The run summary: takes records one at a time and produces upstream's results (one MetricResult
 * per metric, base units) plus the error summary. Per-record values live in Float64Series, one per
 * record metric; nothing keeps the records themselves.
 */
import type { RecordError, RequestRecord } from "../records/record.ts";
import { METRICS, metricDef } from "./catalogue.ts";
import type { MetricContext } from "./context.ts";
import { deriveMetrics } from "./derived.ts";
import { pluginMetricFailed } from "./plugin-metrics.ts";
import { computeRecordMetrics, requestEndNs, type RecordMetrics } from "./record-metrics.ts";
import { Float64Series } from "./stats.ts";

export type { ErrorSummaryEntry, MetricResult } from "../protocol/records-summary.ts";
import type { ErrorSummaryEntry, MetricResult } from "../protocol/records-summary.ts";

export type ProfileSummary = {
  results: MetricResult[];
  /** Errors grouped by identical (code, type, message), in order of first appearance. */
  errorSummary: ErrorSummaryEntry[];
  /** Valid records summarised. */
  processed: number;
  /** Invalid records summarised (error_request_count). */
  errors: number;
  /** Profiling records left out by the duration filter. */
  filtered: number;
};

/**
 * Duration mode (§4.5): a request counts only if it ended by phase start + duration + grace.
 * `phaseStartNs` is on the records' monotonic clock, or epoch ns with `clock: "wall"` (upstream
 * compares wall times; each record converts its own end through its wall anchor).
 */
export type DurationFilter = {
  phaseStartNs: number;
  durationSec: number;
  gracePeriodSec: number;
  clock?: "monotonic" | "wall";
};

export type SummaryOptions = { context: MetricContext; durationFilter?: DurationFilter };

/** All-or-nothing per request: included only if its end is within the window (inclusive). */
export function isWithinDuration(record: RequestRecord, filter: DurationFilter): boolean {
  // Upstream truncates (duration + grace)·1e9 to an int before adding it.
  const windowNs = Math.trunc((filter.durationSec + filter.gracePeriodSec) * 1e9);
  const endMonoNs = requestEndNs(record);
  if (filter.clock === "wall") {
    // Compare offsets, not two epoch doubles (each good to 256 ns only).
    return record.wallStartNs - filter.phaseStartNs + (endMonoNs - record.startNs) <= windowNs;
  }
  return endMonoNs <= filter.phaseStartNs + windowNs;
}

const AGGREGATE_MERGE: Record<string, (a: number, b: number) => number> = {
  request_count: (a, b) => a + b,
  error_request_count: (a, b) => a + b,
  good_request_count: (a, b) => a + b,
  usage_discrepancy_count: (a, b) => a + b,
  min_request_timestamp: Math.min,
  max_response_timestamp: Math.max,
};

export class SummaryBuilder {
  readonly #ctx: MetricContext;
  readonly #filter: DurationFilter | undefined;
  readonly #series = new Map<string, Float64Series>();
  readonly #aggregates = new Map<string, number>();
  readonly #errors = new Map<string, ErrorSummaryEntry>();
  // Epoch times relative to the first request's, so the duration is exact (see #trackSpan).
  #wallAnchorNs: number | undefined;
  #minStartRelNs: number | undefined;
  #maxEndRelNs: number | undefined;
  #processed = 0;
  #errorCount = 0;
  #filtered = 0;

  constructor(options: SummaryOptions) {
    this.#ctx = options.context;
    this.#filter = options.durationFilter;
  }

  /**
   * Computes and adds one record. Returns its metrics (for the JSONL export), or null when the
   * record is not part of the results: warmup, or past the duration window.
   */
  add(record: RequestRecord): RecordMetrics | null {
    if (record.phase !== "profiling") return null;
    // A request cut at the window's end (grace period over, interrupt) is counted, as cancelled,
    // even though its end lands just past the window: it was sent inside it and got no answer.
    if (this.#filter && !record.wasCancelled && !isWithinDuration(record, this.#filter)) {
      this.#filtered++;
      return null;
    }
    const metrics = computeRecordMetrics(record, this.#ctx);
    this.addComputed(metrics);
    return metrics;
  }

  /** Adds metrics computed elsewhere (a record processor); phase and duration filters are the caller's. */
  addComputed(metrics: RecordMetrics): void {
    if (metrics.valid) this.#processed++;
    else this.#errorCount++;
    if (metrics.error) this.#countError(metrics.error);
    this.#trackSpan(metrics);
    const values = metrics.values;
    // for-in, not Object.entries: no [tag, value] pair allocated per metric per record.
    for (const tag in values) {
      const value = values[tag] as number | number[];
      const merge = AGGREGATE_MERGE[tag];
      if (merge) {
        const current = this.#aggregates.get(tag);
        this.#aggregates.set(tag, current === undefined ? (value as number) : merge(current, value as number));
        continue;
      }
      let series = this.#series.get(tag);
      if (!series) this.#series.set(tag, (series = new Float64Series()));
      if (typeof value === "number") series.push(value);
      else series.pushAll(value);
    }
  }

  /** The results so far (sorts a copy of every series: O(n log n)); the builder stays usable. */
  summarize(): ProfileSummary {
    const derived = deriveMetrics(
      {
        aggregate: (tag) => this.#aggregates.get(tag),
        benchmarkDurationNs: () => (this.#maxEndRelNs === undefined || this.#minStartRelNs === undefined ? undefined : this.#maxEndRelNs - this.#minStartRelNs),
        seriesSum: (tag) => {
          const s = this.#series.get(tag);
          return s && s.length > 0 ? s.sum : undefined;
        },
      },
      this.#ctx,
    );
    const results: MetricResult[] = [];
    for (const def of METRICS) {
      if (pluginMetricFailed(def.tag)) continue;
      const series = this.#series.get(def.tag);
      if (series && series.length > 0) {
        results.push({ tag: def.tag, header: def.header, unit: def.unit, ...series.stats(), sum: series.sum });
        continue;
      }
      const scalar = this.#spanTimestamp(def.tag) ?? this.#aggregates.get(def.tag) ?? derived.get(def.tag);
      if (scalar !== undefined) results.push(scalarResult(def.tag, scalar));
    }
    return {
      results,
      errorSummary: [...this.#errors.values()].map((e) => ({ error: { ...e.error }, count: e.count })),
      processed: this.#processed,
      errors: this.#errorCount,
      filtered: this.#filtered,
    };
  }

  /**
   * Upstream's ints are exact; an epoch ns double near 1.7e18 is good to 256 ns, and start +
   * latency rounds again. Offsets from the first request's wall start stay small enough to be
   * exact, so the duration is last end − first start to the nanosecond.
   */
  #trackSpan(metrics: RecordMetrics): void {
    const start = metrics.values.min_request_timestamp;
    const latency = metrics.values.request_latency;
    if (typeof start !== "number" || typeof latency !== "number") return;
    this.#wallAnchorNs ??= start;
    const startRel = start - this.#wallAnchorNs;
    const endRel = startRel + latency;
    if (this.#minStartRelNs === undefined || startRel < this.#minStartRelNs) this.#minStartRelNs = startRel;
    if (this.#maxEndRelNs === undefined || endRel > this.#maxEndRelNs) this.#maxEndRelNs = endRel;
  }

  /** min/max timestamps from the exact span, so that max − min is the reported duration. */
  #spanTimestamp(tag: string): number | undefined {
    const anchor = this.#wallAnchorNs;
    if (anchor === undefined || this.#minStartRelNs === undefined || this.#maxEndRelNs === undefined) return undefined;
    if (!this.#ctx.applicable.has(tag)) return undefined;
    if (tag === "min_request_timestamp") return anchor + this.#minStartRelNs;
    if (tag === "max_response_timestamp") return anchor + this.#maxEndRelNs;
    return undefined;
  }

  #countError(error: RecordError): void {
    const key = JSON.stringify([error.code, error.type, error.message]);
    const entry = this.#errors.get(key);
    if (entry) entry.count++;
    else this.#errors.set(key, { error: { code: error.code, type: error.type, message: error.message }, count: 1 });
  }
}

function scalarResult(tag: string, value: number): MetricResult {
  const def = metricDef(tag);
  return { tag, header: def.header, unit: def.unit, avg: value, count: 1 };
}
