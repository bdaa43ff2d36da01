/** Fabricated RequestRecords for the metric and export tests. */
import type { RequestRecord } from "../../src/records/record.ts";

export const MS = 1_000_000;
export const WALL0 = 1_760_000_000_000_000_000; // 2025-10-09T08:53:20Z in epoch ns

/**
 * A streaming chat request sent at `startMs` (monotonic ms) whose content chunks arrive at the
 * given offsets after the start; wall clock = WALL0 + startMs.
 */
export function makeRecord(startMs: number, chunkOffsetsMs: number[], over: Partial<RequestRecord> = {}): RequestRecord {
  const startNs = startMs * MS;
  const responseNs = chunkOffsetsMs.map((ms) => startNs + ms * MS);
  return {
    phase: "profiling",
    sessionNum: 0,
    xRequestId: "req",
    xCorrelationId: "corr",
    conversationId: "conv",
    turnIndex: 0,
    workerId: "worker_0",
    recordProcessorId: "record_processor_0",
    startNs,
    ackNs: startNs + 2 * MS,
    endNs: responseNs[responseNs.length - 1] ?? startNs + 1 * MS,
    wallStartNs: WALL0 + startNs,
    responseNs,
    inputTokens: 100,
    outputTokens: 10,
    reasoningTokens: null,
    wasCancelled: false,
    cancellationNs: null,
    error: null,
    ...over,
  };
}
