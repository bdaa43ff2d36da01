/** send_lag, intended_time_to_first_token and intended_request_latency on hand-made records. */
import { describe, expect, test } from "bun:test";
import { isConsoleShown } from "../../src/metrics/display.ts";
import { computeRecordMetrics, createMetricContext, SummaryBuilder, toDisplayValues } from "../../src/metrics/index.ts";
import { makeRecord, MS } from "./fixtures.ts";

const streaming = createMetricContext({ streaming: true, producesTokens: true });
const plain = createMetricContext({ streaming: false, producesTokens: true });

describe("intended-time metrics", () => {
  test("measured from the intended send time: lag 3 ms, TTFT 20 → 23 ms, latency 50 → 53 ms", () => {
    // Meant for t = 97 ms, sent at 100 ms, chunks 20 and 50 ms after the send.
    const r = makeRecord(100, [20, 50], { intendedNs: 97 * MS });
    const m = computeRecordMetrics(r, streaming);
    expect(m.values.send_lag).toBe(3 * MS);
    expect(m.values.time_to_first_token).toBe(20 * MS);
    expect(m.values.intended_time_to_first_token).toBe(23 * MS);
    expect(m.values.request_latency).toBe(50 * MS);
    expect(m.values.intended_request_latency).toBe(53 * MS);
  });

  test("a request sent exactly on time: intended metrics equal the plain ones, lag 0", () => {
    const m = computeRecordMetrics(makeRecord(10, [5, 9], { intendedNs: 10 * MS }), streaming);
    expect(m.values.send_lag).toBe(0);
    expect(m.values.intended_time_to_first_token).toBe(m.values.time_to_first_token as number);
    expect(m.values.intended_request_latency).toBe(m.values.request_latency as number);
  });

  test("non-streaming runs get send lag and intended latency, but no intended TTFT (like TTFT)", () => {
    const m = computeRecordMetrics(makeRecord(10, [40], { intendedNs: 9 * MS }), plain);
    expect(m.values.send_lag).toBe(1 * MS);
    expect(m.values.intended_request_latency).toBe(41 * MS);
    expect(m.values.intended_time_to_first_token).toBeUndefined();
  });

  test("usable as a goodput SLO: a request sent late misses an intended-latency SLO its plain latency meets", () => {
    const ctx = createMetricContext({ streaming: true, producesTokens: true, goodputSlos: { intended_request_latency: 52 } });
    const onTime = computeRecordMetrics(makeRecord(100, [20, 50], { intendedNs: 100 * MS }), ctx);
    const late = computeRecordMetrics(makeRecord(100, [20, 50], { intendedNs: 97 * MS }), ctx);
    expect(onTime.values.good_request_count).toBe(1);
    expect(late.values.good_request_count).toBe(0);
  });

  test("absent without an intended time, and on failed records", () => {
    expect(computeRecordMetrics(makeRecord(10, [5]), streaming).values.send_lag).toBeUndefined();
    const failed = makeRecord(10, [], { intendedNs: 9 * MS, error: { code: 500, type: "Internal", message: "x" } });
    expect(computeRecordMetrics(failed, streaming).values.send_lag).toBeUndefined();
  });

  test("aggregated in the summary, in ms per record in the JSONL view, never on the console", () => {
    const b = new SummaryBuilder({ context: streaming });
    for (const [start, lagMs] of [
      [0, 1],
      [100, 2],
      [200, 3],
    ] as const)
      b.add(makeRecord(start, [10, 20], { intendedNs: (start - lagMs) * MS }));
    const lag = b.summarize().results.find((r) => r.tag === "send_lag");
    expect(lag?.avg).toBe(2 * MS);
    expect(lag?.max).toBe(3 * MS);
    expect(lag?.p50).toBe(2 * MS);
    const shown = toDisplayValues(computeRecordMetrics(makeRecord(0, [10], { intendedNs: -2.5 * MS }), streaming).values);
    expect(shown.send_lag).toEqual({ value: 2.5, unit: "ms" });
    expect(shown.intended_request_latency).toEqual({ value: 12.5, unit: "ms" });
    for (const tag of ["send_lag", "intended_time_to_first_token", "intended_request_latency"]) expect(isConsoleShown(tag)).toBe(false);
  });
});
