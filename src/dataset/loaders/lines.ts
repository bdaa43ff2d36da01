/**
 * Streaming line readers: input files are read chunk by chunk and split into lines, never held
 * whole as one string, so a million-line trace costs the memory of its parsed model only.
 *
 * The splitting is done by hand on bytes rather than with node's readline: a chunk is cut into
 * its complete lines in one synchronous loop (Buffer.indexOf finds each \n), and only the lines
 * themselves are decoded, so the stream and event machinery is paid once per chunk, not per line.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { formatBytes, MAX_RECORD_BYTES } from "./limits.ts";
import { DatasetInputError } from "./model.ts";

/**
 * How the file is read; `chunkBytes` is exposed for tests, which force lines across chunk edges,
 * `maxLineBytes` (default MAX_RECORD_BYTES) for tests of the limit.
 */
export interface LineOptions {
  chunkBytes?: number;
  maxLineBytes?: number;
}

/** 1 MiB: reads are few and the buffer small (4 MiB measured no faster). */
const CHUNK_BYTES = 1 << 20;
const LF = 10;
const CR = 13;

/**
 * The lines of `path`, one array per chunk read, in order (\n, \r\n or \r endings; a final
 * line without a newline counts). A line is decoded only once its \n has been read, so a multi-byte
 * character split between two reads is never cut: the unfinished tail is moved to the front of
 * the buffer and the next read appends to it (the buffer doubles for a line too long for it).
 */
async function* lineChunks(path: string, chunkBytes = CHUNK_BYTES, maxLineBytes = MAX_RECORD_BYTES): AsyncGenerator<string[]> {
  // Plain blocking reads: an async read waits in the file system's thread pool behind
  // inputs.json's multi-MB writes (append-file.ts), and a 1 MiB read is short either way.
  const fd = openSync(path, "r");
  try {
    let buf = Buffer.allocUnsafe(Math.max(chunkBytes, 1));
    let kept = 0;
    let before = 0; // lines yielded so far, to name the one that is too long
    for (;;) {
      // Grown once a line fills half of it, so each read still takes a good share of the file.
      if (kept > buf.length / 2) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const bytesRead = readSync(fd, buf, kept, buf.length - kept, null);
      if (bytesRead === 0) break;
      const end = kept + bytesRead;
      // A view ending at `end`, so indexOf never searches stale bytes of an earlier read; the
      // kept bytes hold no \n, so the search starts after them.
      const view = buf.subarray(0, end);
      const lines: string[] = [];
      let start = 0;
      // One line is held whole (it is parsed whole): past the limit, stop rather than grow. The
      // lines before it are yielded first, so their own errors still come first.
      let tooLong = false;
      for (let nl = view.indexOf(LF, kept); nl !== -1; nl = view.indexOf(LF, start)) {
        if (nl - start > maxLineBytes) {
          tooLong = true;
          break;
        }
        push(lines, decode(view, start, nl));
        start = nl + 1;
      }
      buf.copy(buf, 0, start, end);
      kept = end - start;
      before += lines.length;
      if (lines.length > 0) yield lines;
      if (tooLong || kept > maxLineBytes) {
        throw new DatasetInputError(
          path,
          before + 1,
          `a line longer than ${formatBytes(maxLineBytes)}, the most one line (one request or conversation) may hold; is the file JSON Lines, one record per line?`,
        );
      }
    }
    if (kept > 0) yield push([], decode(buf, 0, kept));
  } finally {
    closeSync(fd);
  }
}

/**
 * Adds `text` to `lines`, cut at each \r: a \r alone ends a line too, as in Python's universal
 * newlines, which upstream's readers use (a \r\n is one ending: `decode` took its \r off).
 */
function push(lines: string[], text: string): string[] {
  if (text.includes("\r")) lines.push(...text.split("\r"));
  else lines.push(text);
  return lines;
}

/** The text of bytes [start, end) without a trailing \r. */
function decode(buf: Buffer, start: number, end: number): string {
  return buf.toString("utf8", start, end > start && buf[end - 1] === CR ? end - 1 : end);
}

/**
 * Each line of `path` with its 1-based number (\n, \r\n or \r endings; a BOM stays at the
 * start of line 1, as U+FEFF).
 */
export async function* readLines(path: string, options: LineOptions = {}): AsyncGenerator<{ text: string; line: number }> {
  let line = 0;
  for await (const lines of lineChunks(path, options.chunkBytes, options.maxLineBytes)) {
    for (const text of lines) yield { text, line: ++line };
  }
}

/**
 * The JSON object on each non-empty line. Invalid JSON, a non-object line, or a file with no
 * data line at all is a DatasetInputError naming the file and line.
 */
export async function* readJsonLines(path: string, options: LineOptions = {}): AsyncGenerator<{ value: Record<string, unknown>; line: number }> {
  let line = 0;
  let seen = 0;
  for await (const lines of lineChunks(path, options.chunkBytes, options.maxLineBytes)) {
    for (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      // Parsed only when asked for, so a consumer's own error on an earlier line still comes first.
      const value = parseObject(path, line, text);
      seen++;
      yield { value, line };
    }
  }
  if (seen === 0) throw new DatasetInputError(path, 1, "the file is empty (no JSON lines)");
}

/**
 * readJsonLines one chunk at a time: the same objects and errors, in arrays, for callers that
 * take many at once and so skip the await per line. The objects before a bad line are yielded
 * before its error is thrown.
 */
export async function* readJsonLineBatches(path: string, options: LineOptions = {}): AsyncGenerator<{ value: Record<string, unknown>; line: number }[]> {
  let line = 0;
  let seen = 0;
  for await (const lines of lineChunks(path, options.chunkBytes, options.maxLineBytes)) {
    const values: { value: Record<string, unknown>; line: number }[] = [];
    try {
      for (const text of lines) {
        line++;
        if (text.trim() === "") continue;
        values.push({ value: parseObject(path, line, text), line });
      }
    } catch (error) {
      if (values.length > 0) yield values;
      throw error;
    }
    seen += values.length;
    if (values.length > 0) yield values;
  }
  if (seen === 0) throw new DatasetInputError(path, 1, "the file is empty (no JSON lines)");
}

/** The JSON object on one line, or a DatasetInputError naming it. */
function parseObject(path: string, line: number, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetInputError(path, line, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DatasetInputError(path, line, "expected a JSON object");
  }
  return value as Record<string, unknown>;
}
