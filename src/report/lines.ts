/**
 * Line-by-line reading of a large JSONL file (1 M records are GBs with their chunk arrays): fixed
 * 8 MiB reads, so memory does not grow with the file.
 */
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 8 << 20;

/** Calls `onLine` for every non-empty line (without its newline). */
export function forEachLine(path: string, onLine: (line: string) => void): void {
  const fd = openSync(path, "r");
  try {
    let buffer = Buffer.alloc(CHUNK);
    let kept = 0; // bytes of an unfinished line at the start of `buffer`
    for (;;) {
      if (kept === buffer.length) {
        // One line longer than the buffer: grow it rather than split the line.
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger, 0, 0, kept);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, kept, buffer.length - kept, null);
      const end = kept + n;
      let start = 0;
      for (let nl = buffer.indexOf(10, start); nl !== -1 && nl < end; nl = buffer.indexOf(10, start)) {
        if (nl > start) onLine(buffer.toString("utf8", start, nl));
        start = nl + 1;
      }
      if (n === 0) {
        if (end > start) onLine(buffer.toString("utf8", start, end));
        return;
      }
      buffer.copy(buffer, 0, start, end);
      kept = end - start;
    }
  } finally {
    closeSync(fd);
  }
}
