/** The usage_* record metrics (aiperf-features §5.5): the server's counts, export-only. */
import { describe, expect, test } from "bun:test";
import { computeRecordMetrics, createMetricContext, isConsoleShown } from "../../src/metrics/index.ts";
import { makeRecord } from "./fixtures.ts";

const chat = createMetricContext({ streaming: true, producesTokens: true });
const embeddings = createMetricContext({ streaming: false, producesTokens: false });

describe("usage metrics", () => {
  test("each field the server reported becomes a metric; missing ones stay absent", () => {
    const record = makeRecord(1000, [50, 100], { outputTokens: 7, usage: { promptTokens: 90, completionTokens: 8, totalTokens: 98, reasoningTokens: null } });
    const { values } = computeRecordMetrics(record, chat);
    expect(values.usage_prompt_tokens).toBe(90);
    expect(values.usage_completion_tokens).toBe(8);
    expect(values.usage_total_tokens).toBe(98);
    expect(values.usage_reasoning_tokens).toBeUndefined();
  });

  test("no usage, no usage metrics; not on the console; not for non-token endpoints", () => {
    expect(Object.keys(computeRecordMetrics(makeRecord(1000, [50]), chat).values).filter((k) => k.startsWith("usage_"))).toEqual([]);
    expect(isConsoleShown("usage_prompt_tokens")).toBe(false);
    const record = makeRecord(1000, [50], { outputTokens: null, usage: { promptTokens: 3, completionTokens: null, totalTokens: 3, reasoningTokens: null } });
    expect(computeRecordMetrics(record, embeddings).values.usage_prompt_tokens).toBeUndefined();
  });
});
