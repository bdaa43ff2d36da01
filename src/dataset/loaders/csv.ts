/**
 * CSV datasets (our addition; upstream has no generic CSV loader): a header row naming
 * single_turn fields as columns (text, image, audio, timestamp, delay, role, max_tokens, model)
 * plus optional session_id, which groups rows into multi-turn conversations in file order.
 * Empty cells are absent fields. Parsed by papaparse from a file stream, row by row. Line
 * numbers assume one line per row (a quoted cell spanning lines shifts later numbers).
 */
import { createReadStream } from "node:fs";
import Papa from "papaparse";
import type { LoaderContext } from "./context.ts";
import { parseTurn, sessionIdOf } from "./fields.ts";
import { type Conversation, createSessionGrouper, DatasetInputError, sortByTimestamp } from "./model.ts";

const COLUMNS = ["text", "image", "audio", "timestamp", "delay", "role", "max_tokens", "model", "session_id"];
const NUMERIC = new Set(["timestamp", "delay", "max_tokens"]);

export function loadCsv(ctx: LoaderContext): Promise<Conversation[]> {
  const sessions = createSessionGrouper(() => ctx.sessionId());
  let row = 0;
  const onRow = (cells: Record<string, string>, fields: string[], errors: Papa.ParseError[]): void => {
    const line = ++row + 1;
    if (row === 1) checkHeader(ctx.path, fields);
    const problem = errors[0];
    if (problem !== undefined) throw new DatasetInputError(ctx.path, line, `bad CSV row (${problem.message})`);
    const obj: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(cells)) {
      const cell = raw.trim();
      if (cell === "") continue;
      if (!NUMERIC.has(key)) obj[key] = raw;
      else if (Number.isFinite(Number(cell))) obj[key] = Number(cell);
      else throw new DatasetInputError(ctx.path, line, `"${key}" must be a number, got ${JSON.stringify(raw)}`);
    }
    const at = { file: ctx.path, line };
    const turn = parseTurn(obj, at, { extraKeys: ["session_id"] });
    const session = sessionIdOf(obj, at);
    sessions.add(session, turn);
  };
  return new Promise((resolve, reject) => {
    const input = createReadStream(ctx.path, { encoding: "utf8" });
    let failed = false;
    Papa.parse<Record<string, string>, NodeJS.ReadableStream>(input, {
      header: true,
      skipEmptyLines: "greedy",
      step(results, parser) {
        if (failed) return;
        try {
          onRow(results.data, results.meta.fields ?? [], results.errors);
        } catch (error) {
          failed = true;
          parser.abort();
          input.destroy();
          reject(error);
        }
      },
      complete() {
        if (failed) return;
        if (row === 0) reject(new DatasetInputError(ctx.path, 1, "the file is empty (needs a header row and at least one data row)"));
        else resolve(sortByTimestamp(sessions.conversations));
      },
      error(error: Error) {
        if (!failed) reject(new DatasetInputError(ctx.path, undefined, `cannot read CSV (${error.message})`));
      },
    });
  });
}

function checkHeader(path: string, fields: string[]): void {
  if (!fields.some((f) => f === "text" || f === "image" || f === "audio")) {
    throw new DatasetInputError(path, 1, `a header row is required, naming columns among ${COLUMNS.join(", ")} (at least one of text, image, audio); got ${JSON.stringify(fields.join(","))}`);
  }
  const unknown = fields.find((f) => !COLUMNS.includes(f));
  if (unknown !== undefined) throw new DatasetInputError(path, 1, `unknown column "${unknown}" (allowed: ${COLUMNS.join(", ")})`);
}
