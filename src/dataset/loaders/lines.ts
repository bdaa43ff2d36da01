/**
 * Streaming line readers: input files are read chunk by chunk and split into lines, never held
 * whole as one string, so a million-line trace costs the memory of its parsed model only.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DatasetInputError } from "./model.ts";

/** Each line of `path` with its 1-based number (\n or \r\n endings). */
export async function* readLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  const input = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of rl) yield { text, line: ++line };
  } finally {
    rl.close();
    input.destroy();
  }
}

/**
 * The JSON object on each non-empty line. Invalid JSON, a non-object line, or a file with no
 * data line at all is a DatasetInputError naming the file and line.
 */
export async function* readJsonLines(path: string): AsyncGenerator<{ value: Record<string, unknown>; line: number }> {
  let seen = 0;
  for await (const { text, line } of readLines(path)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DatasetInputError(path, line, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DatasetInputError(path, line, "expected a JSON object");
    }
    seen++;
    yield { value: value as Record<string, unknown>, line };
  }
  if (seen === 0) throw new DatasetInputError(path, 1, "the file is empty (no JSON lines)");
}
