/** Records for the record batch tests: every optional field, null and absent, awkward numbers. */
import type { RequestRecord } from "../../src/records/record.ts";
import { makeRecord } from "../metrics/fixtures.ts";

export function variedRecords(): RequestRecord[] {
  return [
    makeRecord(0, [5, 10, 15], { intendedNs: -3, readyNs: 7, firstOutputNs: 5_000_000 }),
    makeRecord(1, [], { ackNs: null, inputTokens: null, outputTokens: null, error: { code: 500, type: "Internal Server Error", message: "boom" } }),
    makeRecord(2, [1], {
      wasCancelled: true,
      cancellationNs: 2_500_000,
      reasoningTokens: 0,
      usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12, reasoningTokens: null, extras: { cached_tokens: 4 } as never },
      tokens: { tokenizerTokens: 3, firstChunkTokens: 1, chunkTokens: [1, 1, 1], requestedTokens: null },
      retriedAfter: { startNs: 1, error: { code: null, type: "ECONNRESET", message: "reset" } },
      invalidSseLines: 2,
      images: 1,
      audioSeconds: 0.25,
      responseText: 'a "quoted"\n\u00e9 text',
      raw: { payload: { messages: [] }, status: 200, responses: [{ perf_ns: 5, text: "data: x\n\n" }] },
    }),
    makeRecord(3, [2 ** 40, 2 ** 52 + 1, 0.5, 1e-7], { phase: "warmup", sessionNum: 2 ** 31, wallStartNs: 1_796_392_005_341_629_700, turnIndex: 7 }),
  ];
}
