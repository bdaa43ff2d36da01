/**
 * The run summary over a handful of fabricated requests, every number worked out by hand.
 *
 * Profiling requests (start ms → content chunks at +ms, output tokens), 100 input tokens each:
 *   R0   0 → [50, 100], 11   TTFT 50, latency 100, ITL 50/10 = 5 ms  → 200 tok/s/user (good)
 *   R1 100 → [70, 90, 170], 5 TTFT 70, latency 170, ITL 100/4 = 25 ms → 40 (TTFT > 60: not good)
 *   R2 200 → [40, 240], 9    TTFT 40, latency 240, ITL 200/8 = 25 ms → 40 (< 150: not good)
 *   R3 300 → HTTP 500;  R4 350 → 200 OK without content;  R6 400 → HTTP 500 again
 *   R5 warmup (ignored)
 * First send at 0, last content at 200 + 240 = 440 ms → benchmark duration 0.44 s.
 */
import { describe, expect, test } from "bun:test";
import {
  computeRecordMetrics,
  createMetricContext,
  INVALID_RESULTS_ERROR,
  isWithinDuration,
  type MetricResult,
  SummaryBuilder,
} from "../../src/metrics/index.ts";
import { makeRecord, MS, WALL0 } from "./fixtures.ts";

const ctx = createMetricContext({
  streaming: true,
  producesTokens: true,
  goodputSlos: { time_to_first_token: 60, output_token_throughput_per_user: 150 },
});
const http500 = { code: 500, type: "HTTPError", message: "Internal Server Error" };

const records = [
  makeRecord(0, [50, 100], { outputTokens: 11 }),
  makeRecord(100, [70, 90, 170], { outputTokens: 5 }),
  makeRecord(200, [40, 240], { outputTokens: 9 }),
  makeRecord(300, [], { error: http500 }),
  makeRecord(350, []),
  makeRecord(0, [10, 20], { phase: "warmup" }),
  makeRecord(400, [], { error: http500 }),
];

function build(options: Partial<ConstructorParameters<typeof SummaryBuilder>[0]> = {}) {
  const builder = new SummaryBuilder({ context: ctx, ...options });
  const added = records.map((r) => builder.add(r));
  return { builder, added, summary: builder.summarize() };
}

const get = (results: MetricResult[], tag: string) => results.find((r) => r.tag === tag);

describe("summary", () => {
  const { added, summary } = build();
  const { results } = summary;

  test("counts: 3 valid, 3 errors (the content-less 200 among them), warmup left out", () => {
    expect(get(results, "request_count")).toEqual({ tag: "request_count", header: "Request Count", unit: "requests", avg: 3, count: 1 });
    expect(get(results, "error_request_count")?.avg).toBe(3);
    expect(get(results, "good_request_count")?.avg).toBe(1);
    expect(summary.processed).toBe(3);
    expect(summary.errors).toBe(3);
    expect(added[5]).toBeNull(); // warmup
    expect(added[0]?.valid).toBe(true);
  });

  test("errors grouped by (code, type, message) in order of first appearance", () => {
    expect(summary.errorSummary).toEqual([
      { error: http500, count: 2 },
      { error: INVALID_RESULTS_ERROR, count: 1 },
    ]);
  });

  test("timestamps and benchmark duration = last content − first send", () => {
    expect(get(results, "min_request_timestamp")?.avg).toBe(WALL0);
    expect(get(results, "max_response_timestamp")?.avg).toBe(WALL0 + 440 * MS);
    expect(get(results, "benchmark_duration")?.avg).toBe(440 * MS);
  });

  test("throughputs over 0.44 s", () => {
    // 3 requests / 0.44 s; 25 output tokens (11 + 5 + 9) / 0.44 s; 1 good request / 0.44 s.
    expect(get(results, "request_throughput")?.avg).toBeCloseTo(3 / 0.44, 10);
    expect(get(results, "output_token_throughput")?.avg).toBeCloseTo(25 / 0.44, 10);
    expect(get(results, "goodput")?.avg).toBeCloseTo(1 / 0.44, 10);
  });

  test("totals: output tokens, OSL, ISL, error ISL (the content-less record has an ISL too)", () => {
    expect(get(results, "total_output_tokens")?.avg).toBe(25);
    expect(get(results, "total_osl")?.avg).toBe(25);
    expect(get(results, "total_isl")?.avg).toBe(300);
    expect(get(results, "total_error_isl")?.avg).toBe(300);
    expect(get(results, "total_reasoning_tokens")).toBeUndefined(); // no record had reasoning
  });

  test("TTFT statistics over [50, 70, 40] ms", () => {
    // mean 53.333… ms; deviations −3.33, 16.67, −13.33 → squares sum 466.67 → /3 → √155.56 = 12.47 ms;
    // sorted [40, 50, 70]: p50 = 50, p90 = idx 1.8 → 70 − 20·0.2 = 66, p99 = idx 1.98 → 69.6.
    const ttft = get(results, "time_to_first_token");
    expect(ttft).toMatchObject({ unit: "ns", min: 40 * MS, max: 70 * MS, p50: 50 * MS, count: 3 });
    expect(ttft?.avg).toBe(53333333.333333336); // numpy: mean([50e6, 70e6, 40e6])
    expect(ttft?.std).toBe(12472191.28924647); // numpy: std(...)
    expect(ttft?.p90).toBe(66 * MS);
    expect(ttft?.p99).toBe(69.6 * MS);
  });

  test("ICL pools every gap of every request: [50], [20, 80], [200] ms", () => {
    const icl = get(results, "inter_chunk_latency");
    expect(icl?.count).toBe(4);
    expect(icl?.avg).toBe(87.5 * MS);
  });

  test("results come in catalogue order and skip metrics without values", () => {
    const tags = results.map((r) => r.tag);
    expect(tags.slice(0, 3)).toEqual(["time_to_first_token", "time_to_second_token", "request_latency"]);
    expect(tags.indexOf("request_count")).toBeLessThan(tags.indexOf("benchmark_duration"));
    expect(tags).not.toContain("reasoning_token_count");
    expect(tags).not.toContain("credit_drop_latency");
  });

  test("summarize is repeatable and the builder keeps accepting records", () => {
    const { builder, summary: first } = build();
    expect(builder.summarize()).toEqual(first);
    builder.add(makeRecord(500, [10, 20], { outputTokens: 2 }));
    expect(get(builder.summarize().results, "request_count")?.avg).toBe(4);
  });

  test("metrics computed elsewhere (a record processor) summarise the same", () => {
    const builder = new SummaryBuilder({ context: ctx });
    for (const r of records) if (r.phase === "profiling") builder.addComputed(computeRecordMetrics(r, ctx));
    expect(builder.summarize()).toEqual(summary);
  });

  test("only errors: no duration, so no throughputs", () => {
    const builder = new SummaryBuilder({ context: ctx });
    builder.add(makeRecord(0, [], { error: http500 }));
    const tags = builder.summarize().results.map((r) => r.tag);
    expect(tags).toEqual(["error_isl", "error_request_count", "total_error_isl"]);
  });
});

describe("duration filter (§4.5)", () => {
  // Phase starts at 0 ms; duration 0.3 s + grace 0.1 s → requests must end by 400 ms.
  const durationFilter = { phaseStartNs: 0, durationSec: 0.3, gracePeriodSec: 0.1 };

  test("a request ending after the window is left out whole", () => {
    const { added, summary } = build({ durationFilter });
    expect(added[2]).toBeNull(); // R2 ends at 440 ms
    expect(added[6]).toBeNull(); // R6 failed at 401 ms (its end time)
    expect(summary.filtered).toBe(2);
    expect(get(summary.results, "request_count")?.avg).toBe(2);
    // The duration shrinks to R1's end: 100 + 170 = 270 ms.
    expect(get(summary.results, "benchmark_duration")?.avg).toBe(270 * MS);
    // Errors are filtered like any request: R3 and R4 remain, and so does their summary.
    expect(get(summary.results, "error_request_count")?.avg).toBe(2);
    expect(summary.errorSummary).toEqual([
      { error: http500, count: 1 },
      { error: INVALID_RESULTS_ERROR, count: 1 },
    ]);
  });

  test("the window end is inclusive", () => {
    const filter = { phaseStartNs: 100 * MS, durationSec: 0.2, gracePeriodSec: 0 };
    expect(isWithinDuration(makeRecord(200, [50, 100]), filter)).toBe(true); // ends at 300 ms
    expect(isWithinDuration(makeRecord(200, [50, 101]), filter)).toBe(false);
  });

  test("wall-clock phase start: the record's end goes through its own wall anchor", () => {
    // Phase started at WALL0 + 100 ms (epoch); window 0.2 s → ends by WALL0 + 300 ms.
    const filter = { phaseStartNs: WALL0 + 100 * MS, durationSec: 0.2, gracePeriodSec: 0, clock: "wall" as const };
    expect(isWithinDuration(makeRecord(200, [50, 100]), filter)).toBe(true);
    expect(isWithinDuration(makeRecord(200, [50, 101]), filter)).toBe(false);
    // An error record is judged by its failure time (endNs).
    expect(isWithinDuration(makeRecord(250, [], { endNs: 310 * MS }), filter)).toBe(false);
  });
});
