/**
 * CSV datasets (our addition; upstream has no generic CSV loader): a header row naming
 * single_turn fields as columns (text, image, audio, timestamp, delay, role, max_tokens, model)
 * plus optional session_id, which groups rows into multi-turn conversations in file order.
 * Empty cells are absent fields. Parsed by papaparse from a file stream, row by row; a row is
 * reported at the file line it starts on, counted from the text itself (quoted cells may span
 * lines).
 */
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import Papa from "papaparse";
import type { LoaderContext, Piece } from "./context.ts";
import { formatBytes, MAX_RECORD_BYTES } from "./limits.ts";
import { parseTurn, sessionIdOf } from "./fields.ts";
import { DatasetInputError } from "./model.ts";

const COLUMNS = ["text", "image", "audio", "timestamp", "delay", "role", "max_tokens", "model", "session_id"];
const NUMERIC = new Set(["timestamp", "delay", "max_tokens"]);
/** Rows parsed ahead of the consumer before the file stream is paused. */
const AHEAD = 1024;

type Row = { cells: string[]; errors: Papa.ParseError[]; line: number };

export async function* loadCsv(ctx: LoaderContext): AsyncGenerator<Piece> {
  let fields: string[] | undefined;
  for await (const { cells, errors, line } of csvRows(ctx.path)) {
    if (fields === undefined) {
      fields = cells.map((f) => f.trim());
      checkHeader(ctx.path, fields);
      continue;
    }
    const problem = errors[0];
    if (problem !== undefined) throw new DatasetInputError(ctx.path, line, `bad CSV row (${problem.message})`);
    if (cells.length !== fields.length)
      throw new DatasetInputError(ctx.path, line, `expected ${fields.length} cells as in the header row, got ${cells.length}`);
    const obj: Record<string, unknown> = {};
    fields.forEach((key, i) => {
      const raw = cells[i] as string;
      const cell = raw.trim();
      if (cell === "") return;
      if (!NUMERIC.has(key)) obj[key] = raw;
      else if (Number.isFinite(Number(cell))) obj[key] = Number(cell);
      else throw new DatasetInputError(ctx.path, line, `"${key}" must be a number, got ${JSON.stringify(raw)}`);
    });
    const at = { file: ctx.path, line };
    yield { session: sessionIdOf(obj, at), turns: [parseTurn(obj, at, { extraKeys: ["session_id"] })] };
  }
  if (fields === undefined) throw new DatasetInputError(ctx.path, 1, "the file is empty (needs a header row and at least one data row)");
}

function checkHeader(path: string, fields: string[]): void {
  if (!fields.some((f) => f === "text" || f === "image" || f === "audio")) {
    throw new DatasetInputError(
      path,
      1,
      `a header row is required, naming columns among ${COLUMNS.join(", ")} (at least one of text, image, audio); got ${JSON.stringify(fields.join(","))}`,
    );
  }
  const unknown = fields.find((f) => !COLUMNS.includes(f));
  if (unknown !== undefined) throw new DatasetInputError(path, 1, `unknown column "${unknown}" (allowed: ${COLUMNS.join(", ")})`);
  const twice = fields.find((f, i) => fields.indexOf(f) !== i);
  if (twice !== undefined) throw new DatasetInputError(path, 1, `column "${twice}" appears twice`);
}

/**
 * The non-blank rows of a CSV file with the line each starts on. papaparse reports where each row
 * ends (meta.cursor, in characters); the text seen so far is kept only from the previous row on,
 * and its newlines are counted up to the next row's first character. A row is held whole until
 * it ends, so one longer than `maxRowChars` (an unclosed quote swallows the rest of the file) stops
 * the read with an error instead of growing.
 */
export async function* csvRows(path: string, maxRowChars = MAX_RECORD_BYTES): AsyncGenerator<Row> {
  const queue: Row[] = [];
  let finished = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    wake?.();
    wake = undefined;
  };
  // Line counting over the text the parser has been given.
  let text = ""; // the text from absolute position `textAt` on
  let textAt = 0;
  let line = 1; // the line at position `textAt`
  const lineAt = (cursor: number): number => {
    // The row starts at the first non-blank character from the previous row's end.
    let i = cursor - textAt;
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    for (let j = 0; j < i; j++) if (text.charCodeAt(j) === 10) line++;
    text = text.slice(i);
    textAt += i;
    return line;
  };
  const input = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  const tee = new Transform({
    decodeStrings: false,
    encoding: "utf8",
    transform(chunk: string, _encoding, done) {
      text += chunk;
      if (text.length > maxRowChars) {
        // `line` is where the parser's last finished row ended (it may lag the reads): the long
        // row starts there or later, so the message says "from line N on".
        failure ??= new DatasetInputError(
          path,
          line,
          `from this line on no row ends within ${formatBytes(maxRowChars)}, the most one row (one request) may hold; an unclosed quote?`,
        );
        signal();
        input.destroy();
        done();
        return;
      }
      done(null, chunk);
    },
  });
  input.on("error", (error) => {
    failure ??= new DatasetInputError(path, undefined, `cannot read CSV (${error.message})`);
    signal();
  });
  let rowEnd = 0;
  let parser: Papa.Parser | undefined;
  Papa.parse<string[], NodeJS.ReadableStream>(input.pipe(tee), {
    skipEmptyLines: "greedy",
    step(results, p) {
      parser = p;
      const at = lineAt(rowEnd);
      rowEnd = results.meta.cursor;
      queue.push({ cells: results.data, errors: results.errors, line: at });
      if (queue.length >= AHEAD) tee.pause();
      signal();
    },
    complete() {
      finished = true;
      signal();
    },
    error(error: Error) {
      failure ??= new DatasetInputError(path, undefined, `cannot read CSV (${error.message})`);
      signal();
    },
  });
  try {
    while (true) {
      const row = queue.shift();
      if (row !== undefined) {
        if (queue.length === 0 && tee.isPaused()) tee.resume();
        yield row;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!finished) parser?.abort();
    input.destroy();
    tee.destroy();
  }
}
