/**
 * Opt-in record of when the mock server actually wrote each token (`createMockServer(options,
 * { recordWrites: true })`), so a benchmark can compare a client's timestamps with the truth.
 * Times are host-wide monotonic ns (core/clock.ts monoNs), comparable with any process's monoNs.
 * Off by default: then nothing is recorded and GET /debug/writes does not exist.
 */
import { monoNs } from "../core/clock.ts";

export type WriteEntry = {
  /** The request's X-Request-ID header (AIPerf sends one per request), or null. */
  requestId: string | null;
  /** When the handler started (request headers parsed). */
  arrivalNs: number;
  /** One entry per generated token: when the write that carried it returned (after flush). */
  tokenNs: number[];
};

export class WriteLog {
  #entries: WriteEntry[] = [];

  /** A new entry for a request that arrived at `startMs` (performance.now()). */
  start(requestId: string | null, startMs: number): WriteEntry {
    const entry: WriteEntry = { requestId, arrivalNs: monoNs() - (performance.now() - startMs) * 1e6, tokenNs: [] };
    this.#entries.push(entry);
    return entry;
  }

  /** `count` tokens just went out in one write. */
  wrote(entry: WriteEntry, count: number): void {
    const at = monoNs();
    for (let i = 0; i < count; i++) entry.tokenNs.push(at);
  }

  /** Everything recorded so far; the log starts empty again. */
  drain(): WriteEntry[] {
    const out = this.#entries;
    this.#entries = [];
    return out;
  }
}
