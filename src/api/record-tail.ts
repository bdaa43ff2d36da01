/**
 * Follows profile_export.jsonl while the run writes it (the records service flushes it every
 * 250 ms) and hands each complete line to the caller: the records as they happen, without a
 * second channel from the records service.
 */
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import type { RecordLine } from "../export/jsonl-export.ts";

const POLL_MS = 250;

type RecordTail = { /** Reads what is left and stops. */ stop(): void };

export function tailRecords(path: string, onRecord: (record: RecordLine) => void, onError: (error: unknown) => void): RecordTail {
  let offset = 0;
  let rest = "";
  let failed = false;
  const decoder = new TextDecoder();
  const buf = new Uint8Array(1 << 16);
  const drain = (): void => {
    if (!existsSync(path)) return;
    const fd = openSync(path, "r");
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        rest += decoder.decode(buf.subarray(0, n), { stream: true });
      }
    } finally {
      closeSync(fd);
    }
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "" || failed) continue;
      try {
        onRecord(JSON.parse(line) as RecordLine);
      } catch (error) {
        // A throwing callback is the caller's bug: said once, and the run goes on.
        failed = true;
        onError(error);
      }
    }
  };
  const timer = setInterval(drain, POLL_MS);
  return {
    stop() {
      clearInterval(timer);
      drain();
    },
  };
}
