/**
 * Per-request metrics of small fabricated records (reference/aiperf-features.md §5.1–§5.2).
 * Times in the comments are milliseconds after the request start.
 */
import { describe, expect, test } from "bun:test";
import { computeRecordMetrics, createMetricContext, INVALID_RESULTS_ERROR, isValidRecord, toDisplayValues } from "../../src/metrics/index.ts";
import { makeRecord, MS, WALL0 } from "./fixtures.ts";

const streamingChat = createMetricContext({ streaming: true, producesTokens: true });
const plainChat = createMetricContext({ streaming: false, producesTokens: true });
const embeddings = createMetricContext({ streaming: false, producesTokens: false });

describe("streaming chat record", () => {
  // Sent at t = 1000 ms; content chunks at +50, +60, +75, +100; 7 output tokens, 100 input tokens.
  const record = makeRecord(1000, [50, 60, 75, 100], { outputTokens: 7 });
  const { valid, error, values } = computeRecordMetrics(record, streamingChat);

  test("is valid, without error", () => {
    expect(valid).toBe(true);
    expect(error).toBeNull();
  });

  test("TTFT = r[0] − start, TTST = r[1] − r[0], latency = r[last] − start", () => {
    expect(values.time_to_first_token).toBe(50 * MS);
    expect(values.time_to_second_token).toBe(10 * MS);
    expect(values.request_latency).toBe(100 * MS);
  });

  test("ISL, output token count and OSL", () => {
    expect(values.input_sequence_length).toBe(100);
    expect(values.output_token_count).toBe(7);
    expect(values.output_sequence_length).toBe(7);
    expect(values.reasoning_token_count).toBeUndefined();
  });

  test("ITL = (latency − TTFT)/(OSL − 1) and TPS/user = 1/ITL in seconds", () => {
    // (100 − 50) ms / 6 = 8.333… ms; 1 / 0.008333… s = 120 tokens/s.
    expect(values.inter_token_latency).toBe((50 * MS) / 6);
    expect(values.output_token_throughput_per_user as number).toBeCloseTo(120, 9);
  });

  test("ICL = gaps between content chunks", () => {
    expect(values.inter_chunk_latency).toEqual([10 * MS, 15 * MS, 25 * MS]);
  });

  test("aggregate contributions: count 1, wall start, wall start + latency", () => {
    expect(values.request_count).toBe(1);
    expect(values.min_request_timestamp).toBe(WALL0 + 1000 * MS);
    expect(values.max_response_timestamp).toBe(WALL0 + 1000 * MS + 100 * MS);
    expect(values.error_request_count).toBeUndefined();
    expect(values.good_request_count).toBeUndefined(); // goodput off
  });

  test("display values: ms for times, no NO_INDIVIDUAL_RECORDS or EXPERIMENTAL metrics", () => {
    const shown = toDisplayValues(values);
    expect(shown.time_to_first_token).toEqual({ value: 50, unit: "ms" });
    expect(shown.inter_chunk_latency).toEqual({ value: [10, 15, 25], unit: "ms" });
    expect(shown.output_sequence_length).toEqual({ value: 7, unit: "tokens" });
    expect(Object.keys(shown)).not.toContain("request_count");
    expect(Object.keys(shown)).not.toContain("min_request_timestamp");
    expect(Object.keys(shown)).not.toContain("stream_setup_latency");
    expect(Object.keys(toDisplayValues(values, true))).toContain("stream_setup_latency");
  });

  test("experimental metrics are computed (hidden later): setup = ack − start", () => {
    expect(values.stream_setup_latency).toBe(2 * MS); // ack at +2 ms
    expect(values.stream_prefill_latency).toBe(48 * MS);
    expect(values.prefill_throughput).toBeCloseTo(100 / 0.05, 9); // ISL / TTFT s = 2000
  });
});

describe("token edge cases", () => {
  test("OSL = output + reasoning tokens; thinking efficiency = reasoning / output", () => {
    const { values } = computeRecordMetrics(makeRecord(0, [10, 20], { outputTokens: 7, reasoningTokens: 3 }), streamingChat);
    expect(values.output_sequence_length).toBe(10);
    expect(values.reasoning_token_count).toBe(3);
    expect(values.thinking_efficiency).toBeCloseTo(3 / 7, 12);
    // ITL divides by OSL − 1 = 9: (20 − 10) ms / 9.
    expect(values.inter_token_latency).toBe((10 * MS) / 9);
  });

  test("ITL and TPS/user are absent when OSL < 2", () => {
    const one = computeRecordMetrics(makeRecord(0, [10, 20], { outputTokens: 1 }), streamingChat).values;
    expect(one.output_sequence_length).toBe(1);
    expect(one.inter_token_latency).toBeUndefined();
    expect(one.output_token_throughput_per_user).toBeUndefined();
    const none = computeRecordMetrics(makeRecord(0, [10], { outputTokens: null }), streamingChat).values;
    expect(none.output_sequence_length).toBeUndefined();
    expect(none.inter_token_latency).toBeUndefined();
  });

  test("ITL of 0 (every token in the first chunk) leaves TPS/user absent", () => {
    const v = computeRecordMetrics(makeRecord(0, [10], { outputTokens: 5 }), streamingChat).values;
    expect(v.inter_token_latency).toBe(0);
    expect(v.output_token_throughput_per_user).toBeUndefined();
  });

  test("a zero output token count is absent, as upstream's `if not` makes it; OSL keeps 0", () => {
    const v = computeRecordMetrics(makeRecord(0, [10], { outputTokens: 0 }), streamingChat).values;
    expect(v.output_token_count).toBeUndefined();
    expect(v.output_sequence_length).toBe(0);
  });

  test("single chunk: no TTST, no ICL", () => {
    const v = computeRecordMetrics(makeRecord(0, [30]), streamingChat).values;
    expect(v.time_to_first_token).toBe(30 * MS);
    expect(v.request_latency).toBe(30 * MS);
    expect(v.time_to_second_token).toBeUndefined();
    expect(v.inter_chunk_latency).toBeUndefined();
  });

  test("ICL is absent when any gap is ≤ 0; the other metrics stay", () => {
    const v = computeRecordMetrics(makeRecord(0, [10, 20, 20, 30]), streamingChat).values;
    expect(v.inter_chunk_latency).toBeUndefined();
    expect(v.time_to_second_token).toBe(10 * MS);
    expect(v.request_latency).toBe(30 * MS);
  });
});

describe("invalid records", () => {
  test("a 200 OK without content-bearing chunks is an error (the quirk): error bucket, error ISL", () => {
    const record = makeRecord(0, []);
    expect(isValidRecord(record)).toBe(false);
    const m = computeRecordMetrics(record, streamingChat);
    expect(m.valid).toBe(false);
    expect(m.error).toEqual(INVALID_RESULTS_ERROR);
    expect(m.values).toEqual({ error_isl: 100, error_request_count: 1 });
  });

  test("an error record keeps its error and runs only the ERROR_ONLY metrics", () => {
    const error = { code: 500, type: "HTTPError", message: "Internal Server Error" };
    const m = computeRecordMetrics(makeRecord(0, [10, 20], { error }), streamingChat);
    expect(m.valid).toBe(false);
    expect(m.error).toEqual(error);
    expect(m.values).toEqual({ error_isl: 100, error_request_count: 1 });
  });

  test("error ISL is absent without an input token count", () => {
    const m = computeRecordMetrics(makeRecord(0, [], { inputTokens: null }), streamingChat);
    expect(m.values).toEqual({ error_request_count: 1 });
  });

  test("start not before the last response → invalid", () => {
    expect(isValidRecord(makeRecord(0, [0]))).toBe(false);
    const backwards = makeRecord(10, [], { responseNs: [5 * MS] });
    expect(isValidRecord(backwards)).toBe(false);
  });
});

describe("applicability", () => {
  test("non-streaming runs drop STREAMING_ONLY metrics", () => {
    const v = computeRecordMetrics(makeRecord(0, [80]), plainChat).values;
    expect(Object.keys(v).sort()).toEqual([
      "e2e_output_token_throughput",
      "input_sequence_length",
      "max_response_timestamp",
      "min_request_timestamp",
      "output_sequence_length",
      "output_token_count",
      "request_count",
      "request_latency",
    ]);
    expect(v.request_latency).toBe(80 * MS);
  });

  test("embeddings drop token metrics: latency and aggregates only", () => {
    const v = computeRecordMetrics(makeRecord(0, [40], { outputTokens: null }), embeddings).values;
    expect(Object.keys(v).sort()).toEqual(["max_response_timestamp", "min_request_timestamp", "request_count", "request_latency"]);
    const err = computeRecordMetrics(makeRecord(0, []), embeddings);
    expect(err.values).toEqual({ error_request_count: 1 });
  });
});
