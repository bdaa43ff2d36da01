/**
 * Replies that were counted but were not quite right: SSE data lines that were not JSON inside
 * good streams, and requests sent twice because a reused connection died first. Tallied over the
 * exported records, written as the `reply_anomalies` block of profile_export_aiperf.json, and
 * warned about once per run with the totals.
 */
import type { RequestRecord } from "../../records/record.ts";

export class ReplyAnomalies {
  #invalidLines = 0;
  #invalidRecords = 0;
  #retried = 0;

  add(record: RequestRecord): void {
    if (record.invalidSseLines !== undefined && record.invalidSseLines > 0) {
      this.#invalidLines += record.invalidSseLines;
      this.#invalidRecords++;
    }
    if (record.retriedAfter !== undefined) this.#retried++;
  }

  /** The JSON block, or undefined when nothing happened (the file then has no block). */
  block(): Record<string, number> | undefined {
    if (this.#invalidLines === 0 && this.#retried === 0) return undefined;
    return { invalid_sse_lines: this.#invalidLines, records_with_invalid_sse_lines: this.#invalidRecords, retried_requests: this.#retried };
  }

  warnings(): string[] {
    const out: string[] = [];
    if (this.#invalidLines > 0) {
      out.push(
        `${this.#invalidLines} SSE data line(s) in ${this.#invalidRecords} otherwise valid repl${this.#invalidRecords === 1 ? "y" : "ies"} were not valid JSON and were skipped (invalid_sse_lines in profile_export.jsonl)`,
      );
    }
    if (this.#retried > 0) {
      out.push(
        `${this.#retried} request(s) failed on a reused keep-alive connection before any reply and were sent again on a fresh one (retry in profile_export.jsonl; their times are the second attempt's)`,
      );
    }
    return out;
  }
}
