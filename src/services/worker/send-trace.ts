/**
 * Where a send's lag went, hop by hop (docs/client-efficiency.md "Seventh pass, send lag"). Off unless the worker's
 * environment has AIPERF_SEND_TRACE=1: then each RawRecord carries the stamps below and
 * scripts/bench/timing.ts breaks the lag down. Off, nothing is stamped or sent.
 */
import { monoNs } from "../../core/clock.ts";
import type { SendTrace } from "../../protocol/pipeline.ts";

export type { SendTrace };

export const SEND_TRACE = process.env.AIPERF_SEND_TRACE === "1";

/** A fresh trace when tracing is on; undefined (and no clock read) when off. */
export function startTrace(issuedNs: number | undefined, readNs: number): SendTrace | undefined {
  if (!SEND_TRACE) return undefined;
  return { issuedNs: issuedNs ?? Number.NaN, readNs, decodedNs: monoNs(), dueNs: 0, builtNs: 0 };
}
