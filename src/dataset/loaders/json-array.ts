/**
 * The elements of a top-level JSON array, read from a file stream one element at a time (a
 * ShareGPT dump is ≈650 MB; parsing it whole would need several times that). The scanner only
 * tracks strings and nesting to find the commas between elements; each element is then parsed
 * with JSON.parse and reported with the line it starts on. The array may also be the one value
 * of a top-level object (inputs.json's `{"data": [ … ]}`).
 */
import { createReadStream } from "node:fs";
import { formatBytes, MAX_RECORD_BYTES } from "./limits.ts";
import { DatasetInputError } from "./model.ts";

/**
 * `key`: the array is the value of this key in a top-level object holding nothing else
 * (`{"data": [ … ]}`, as inputs.json is written). `maxElementChars` (default MAX_RECORD_BYTES): one
 * element is parsed whole, so a longer one is an error, not an ever-growing string.
 */
export async function* readJsonArray(path: string, opts: { key?: string; maxElementChars?: number } = {}): AsyncGenerator<{ value: unknown; line: number }> {
  const maxElement = opts.maxElementChars ?? MAX_RECORD_BYTES;
  let line = 1;
  let opened = false;
  let closed = false;
  // The tokens before the array and after it; whitespace may sit between tokens, not inside.
  const before = opts.key === undefined ? ["["] : ["{", JSON.stringify(opts.key), ":", "["];
  const after = opts.key === undefined ? [] : ["}"];
  const expected = opts.key === undefined ? "expected a JSON array ([ … ])" : `expected {${JSON.stringify(opts.key)}: [ … ]}`;
  let token = 0; // index into `before`, then into `after`
  let char = 0; // characters of that token matched
  let seen = false; // any non-whitespace character at all
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pending = ""; // the current element's text from earlier chunks
  let elementLine = 0; // 0: no element started yet
  const tooLong = (at: number): DatasetInputError =>
    new DatasetInputError(path, at, `an array element longer than ${formatBytes(maxElement)}, the most one element (one request or conversation) may hold`);
  const parse = (text: string, at: number): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new DatasetInputError(path, at, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    let from = 0; // start of the current element's text in this chunk
    const out: { value: unknown; line: number }[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as string;
      if (c === "\n") line++;
      if (closed || !opened) {
        const tokens = closed ? after : before;
        if (char === 0 && /\s/.test(c)) continue;
        seen = true;
        if (token >= tokens.length || c !== tokens[token]?.[char]) {
          throw new DatasetInputError(path, line, closed ? "unexpected text after the closing ]" : expected);
        }
        if (++char === tokens[token]?.length) {
          token++;
          char = 0;
        }
        if (!closed && token === before.length) {
          opened = true;
          token = 0;
          from = i + 1;
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (depth === 0 && (c === "," || c === "]")) {
        const text = pending + chunk.slice(from, i);
        pending = "";
        if (text.length > maxElement) throw tooLong(elementLine);
        from = i + 1;
        if (text.trim() !== "") out.push({ value: parse(text, elementLine), line: elementLine });
        else if (c === ",") throw new DatasetInputError(path, line, "empty array element");
        elementLine = 0;
        if (c === "]") closed = true;
        continue;
      }
      if (elementLine === 0 && !/\s/.test(c)) elementLine = line;
      if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") depth--;
    }
    yield* out;
    if (opened && !closed) {
      if (pending.length + chunk.length - from > maxElement) throw tooLong(elementLine || line);
      pending += chunk.slice(from);
    }
  }
  if (!seen) throw new DatasetInputError(path, 1, `the file is empty (${expected})`);
  if (!opened) throw new DatasetInputError(path, line, `${expected}: the file ends early`);
  if (!closed || token < after.length) throw new DatasetInputError(path, line, "the JSON array is not closed (truncated file?)");
}
