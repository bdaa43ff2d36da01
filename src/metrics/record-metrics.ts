/**
 * Per-request metrics (reference/aiperf-features.md §5.1–§5.2): record metrics plus each request's
 * contribution to the aggregates, all in base units. A metric that cannot be computed for a
 * request is simply absent from `values`, as upstream's NoMetricValue makes it.
 */
import type { RecordError, RequestRecord } from "../records/record.ts";
import type { MetricContext } from "./context.ts";
import { addIntendedMetrics } from "./intended-metrics.ts";
import { addPluginRecordMetrics } from "./plugin-metrics.ts";
import { addAudioMetrics } from "./audio-metrics.ts";
import { addImageMetrics } from "./image-metrics.ts";
import { itlDivisor } from "./reconcile.ts";
import { addTokenMetrics } from "./token-metrics.ts";
import type { MetricValues } from "./spec.ts";
import { nsToSec } from "./units.ts";

/** tag → value in base units; a list only for inter_chunk_latency. */
export type { MetricValues } from "./spec.ts";

export type RecordMetrics = {
  /** Valid for metrics: no error, ≥1 content response, start before the last response. */
  valid: boolean;
  /** The record's error, or the one we give an invalid record that came without one. */
  error: RecordError | null;
  values: MetricValues;
};

/**
 * What an invalid record without an error object is filed under. Upstream gives this error to
 * raw records without responses; a 200 OK without content-bearing chunks got none and was counted
 * in error_request_count while missing from the error summary. Giving both cases this error makes
 * the error summary add up to error_request_count.
 */
export const INVALID_RESULTS_ERROR: RecordError = {
  code: null,
  type: "InvalidInferenceResults",
  message: "Invalid inference results",
};

export function isValidRecord(record: RequestRecord): boolean {
  if (record.error) return false;
  const r = record.responseNs;
  const first = r[0];
  const last = r[r.length - 1];
  if (first === undefined || last === undefined) return false;
  return record.startNs >= 0 && first >= record.startNs && last > record.startNs;
}

/** Epoch ns of a monotonic time of this record (upstream's compute_time_ns). */
export function toWallNs(record: RequestRecord, monoNs: number): number {
  return record.wallStartNs + (monoNs - record.startNs);
}

/** Monotonic end of the request: last content response, else the moment it ended or failed. */
export function requestEndNs(record: RequestRecord): number {
  return record.responseNs[record.responseNs.length - 1] ?? record.endNs;
}

export function computeRecordMetrics(record: RequestRecord, ctx: MetricContext): RecordMetrics {
  const on = ctx.applicable;
  const values: MetricValues = {};
  if (!isValidRecord(record)) {
    // Error records run only the ERROR_ONLY metrics.
    if (on.has("error_isl") && record.inputTokens !== null) values.error_isl = record.inputTokens;
    values.error_request_count = 1;
    return { valid: false, error: record.error ?? INVALID_RESULTS_ERROR, values };
  }

  const r = record.responseNs;
  const start = record.startNs;
  const first = r[0] as number;
  const last = r[r.length - 1] as number;

  const ttftNs = first - start;
  if (on.has("time_to_first_token")) values.time_to_first_token = ttftNs;
  const second = r[1];
  if (on.has("time_to_second_token") && second !== undefined && second >= first) {
    values.time_to_second_token = second - first;
  }
  const latencyNs = last - start;
  if (on.has("request_latency")) values.request_latency = latencyNs;

  const isl = record.inputTokens;
  if (on.has("input_sequence_length") && isl !== null) values.input_sequence_length = isl;
  // Upstream drops a zero output count here (`if not output_token_count`); OSL still counts it.
  if (on.has("output_token_count") && record.outputTokens) values.output_token_count = record.outputTokens;
  if (on.has("reasoning_token_count") && record.reasoningTokens !== null) {
    values.reasoning_token_count = record.reasoningTokens;
  }
  const osl = record.outputTokens === null && record.reasoningTokens === null ? null : (record.outputTokens ?? 0) + (record.reasoningTokens ?? 0);
  if (on.has("output_sequence_length") && osl !== null) values.output_sequence_length = osl;

  // Divisor: OSL − tokens of the first chunk (OSL − 1 when chunks carry one token; reconcile.ts).
  const divisor = osl === null ? 0 : itlDivisor(record, osl);
  if (on.has("inter_token_latency") && osl !== null && divisor >= 1) {
    const itlNs = (latencyNs - ttftNs) / divisor;
    values.inter_token_latency = itlNs;
    // 1 / ITL in seconds; an ITL of 0 (all tokens in the first chunk) has no finite rate.
    if (on.has("output_token_throughput_per_user") && itlNs > 0) {
      values.output_token_throughput_per_user = 1 / nsToSec(itlNs);
    }
  }

  if (on.has("inter_chunk_latency") && r.length >= 2) {
    const gaps = chunkGaps(r);
    if (gaps) values.inter_chunk_latency = gaps;
  }

  addExperimental(record, ctx, values, ttftNs, isl);
  addUsage(record, ctx, values);
  addImageMetrics(record, ctx, values, latencyNs);
  addAudioMetrics(record, ctx, values, latencyNs);
  addTokenMetrics(record, ctx, values);
  addIntendedMetrics(record, ctx, values);
  addPluginRecordMetrics(record, ctx, values);

  if (on.has("request_count")) values.request_count = 1;
  if (on.has("min_request_timestamp")) values.min_request_timestamp = record.wallStartNs;
  if (on.has("max_response_timestamp")) values.max_response_timestamp = record.wallStartNs + latencyNs;
  // Last, so an SLO may name any metric above (upstream orders it after its SLO tags).
  if (on.has("good_request_count")) values.good_request_count = isGood(values, ctx) ? 1 : 0;
  return { valid: true, error: null, values };
}

/** Gaps between consecutive content responses; null (metric absent) if any gap is ≤ 0. */
function chunkGaps(r: readonly number[]): number[] | null {
  const gaps = new Array<number>(r.length - 1);
  for (let i = 1; i < r.length; i++) {
    const gap = (r[i] as number) - (r[i - 1] as number);
    if (gap <= 0) return null;
    gaps[i - 1] = gap;
  }
  return gaps;
}

/** EXPERIMENTAL metrics: computed like upstream, hidden from exports unless asked for. */
function addExperimental(record: RequestRecord, ctx: MetricContext, values: MetricValues, ttftNs: number, isl: number | null): void {
  const on = ctx.applicable;
  if (on.has("prefill_throughput") && isl !== null && ttftNs > 0) {
    values.prefill_throughput = isl / nsToSec(ttftNs);
  }
  const ack = record.ackNs;
  if (on.has("stream_setup_latency") && ack !== null && ack >= record.startNs) {
    const setupNs = ack - record.startNs;
    values.stream_setup_latency = setupNs;
    if (on.has("stream_prefill_latency")) values.stream_prefill_latency = ttftNs - setupNs;
  }
  const outputCount = values.output_token_count;
  const reasoningCount = values.reasoning_token_count;
  if (on.has("thinking_efficiency") && typeof outputCount === "number" && typeof reasoningCount === "number") {
    values.thinking_efficiency = reasoningCount / outputCount;
  }
}

/** The server's usage counts, each only where the server gave it. */
function addUsage(record: RequestRecord, ctx: MetricContext, values: MetricValues): void {
  const u = record.usage;
  if (u === undefined) return;
  const put = (tag: string, v: number | null): void => {
    if (v !== null && ctx.applicable.has(tag)) values[tag] = v;
  };
  put("usage_prompt_tokens", u.promptTokens);
  put("usage_completion_tokens", u.completionTokens);
  put("usage_total_tokens", u.totalTokens);
  put("usage_reasoning_tokens", u.reasoningTokens);
}

/** A request is good when every SLO's metric exists for it and passes (§5.4). */
function isGood(values: MetricValues, ctx: MetricContext): boolean {
  for (const slo of ctx.slos) {
    const v = values[slo.tag];
    if (typeof v !== "number") return false;
    if (slo.largerIsBetter ? v < slo.threshold : v > slo.threshold) return false;
  }
  return true;
}
