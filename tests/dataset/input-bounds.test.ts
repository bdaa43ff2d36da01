/**
 * What one input may hold in memory (limits.ts), and the dataset service's heartbeat while a file
 * loads: a long line or array element is an error naming the file and line, a random_pool past
 * its limit is refused before it is read, and loading gives the event loop turns.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJsonArray } from "../../src/dataset/loaders/json-array.ts";
import { MAX_POOL_BYTES } from "../../src/dataset/loaders/limits.ts";
import { readJsonLines, readLines } from "../../src/dataset/loaders/lines.ts";
import { writeFileDataset } from "../../src/services/dataset/from-file.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { datasetConfig, failure, load } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-input-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(content: string): string {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, content);
  return path;
}

async function collect<T>(it: AsyncIterable<T>, into: T[]): Promise<string> {
  try {
    for await (const x of it) into.push(x);
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
}

describe("one line at most maxLineBytes", () => {
  test("a long line in the middle: the lines before it come first, then the error names its number", async () => {
    const path = file(`{"a":1}\n{"b":2}\n{"c":"${"x".repeat(300)}"}\n{"d":4}\n`);
    const seen: { line: number }[] = [];
    const error = await collect(readJsonLines(path, { chunkBytes: 64, maxLineBytes: 100 }), seen);
    expect(seen.map((s) => s.line)).toEqual([1, 2]);
    expect(error).toBe(
      `${path}:3: a line longer than 100 bytes, the most one line (one request or conversation) may hold; is the file JSON Lines, one record per line?`,
    );
  });

  test("a long line read whole in one chunk, and a last line without a newline, are caught too", async () => {
    const whole = file(`short\n${"y".repeat(150)}\nshort\n`);
    expect(await collect(readLines(whole, { chunkBytes: 4096, maxLineBytes: 100 }), [])).toStartWith(`${whole}:2: a line longer than 100 bytes`);
    const last = file(`short\n${"z".repeat(150)}`);
    expect(await collect(readLines(last, { chunkBytes: 32, maxLineBytes: 100 }), [])).toStartWith(`${last}:2: a line longer than 100 bytes`);
  });

  test("lines up to the limit pass", async () => {
    const path = file(`${"a".repeat(100)}\n${"b".repeat(100)}`);
    const seen: { text: string }[] = [];
    expect(await collect(readLines(path, { chunkBytes: 16, maxLineBytes: 100 }), seen)).toBe("no error");
    expect(seen.map((s) => s.text.length)).toEqual([100, 100]);
  });
});

describe("one JSON array element at most maxElementChars", () => {
  test("an element longer than the limit: the error names the line it starts on", async () => {
    const path = file(`[\n{"a":1},\n{"b":"${"x".repeat(5000)}"},\n{"c":3}\n]`);
    expect(await collect(readJsonArray(path, { maxElementChars: 1000 }), [])).toBe(
      `${path}:3: an array element longer than 1000 bytes, the most one element (one request or conversation) may hold`,
    );
  });

  test("an element spanning many reads stops growing at the limit (the elements before it are read)", async () => {
    // 3 MB in one element, read 1 MiB at a time: caught while it is still being gathered.
    const path = file(`[{"a":1},\n\n{"b":"${"x".repeat(3_000_000)}"}]`);
    const seen: unknown[] = [];
    expect(await collect(readJsonArray(path, { maxElementChars: 2 * 1024 * 1024 }), seen)).toBe(
      `${path}:3: an array element longer than 2 MiB, the most one element (one request or conversation) may hold`,
    );
    expect(seen).toEqual([{ value: { a: 1 }, line: 1 }]);
  });
});

describe("random_pool", () => {
  test("a pool past the limit is refused before it is read, naming its size and the limit", async () => {
    // A sparse file: the size is what is checked, nothing is read or written.
    const path = join(dir, "pool.jsonl");
    const fd = openSync(path, "w");
    ftruncateSync(fd, MAX_POOL_BYTES + 1024 * 1024);
    closeSync(fd);
    expect(await failure(load("random_pool", path))).toBe(
      `DatasetInputError: ${path}: a random_pool is held in memory to draw from: 1.0 GiB is more than the 1 GiB limit (use a smaller pool, or single_turn, which streams)`,
    );
  });
});

describe("heartbeats while a file loads", () => {
  test("a load that takes seconds still lets a 100 ms timer run every few hundred ms (the heartbeat)", async () => {
    // ~33 MB of single_turn lines: seconds to tokenize and write on an idle 2-core machine (~0.6 s per 10k lines).
    const line = (i: number) => `${JSON.stringify({ text: `${i} ${"lorem ipsum dolor sit amet ".repeat(40)}` })}\n`;
    const path = join(dir, "big.jsonl");
    writeFileSync(path, Array.from({ length: 30_000 }, (_, i) => line(i)).join(""));
    const cfg = datasetConfig({ datasetPath: join(dir, "dataset.bin"), inputsJsonPath: join(dir, "inputs.json") });
    const tokenizer = await loadBuiltinTokenizer();
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 100);
    const t0 = performance.now();
    try {
      await writeFileDataset("single_turn", path, tokenizer, cfg, 1);
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - t0;
    // Only meaningful when the load outlasts several ticks.
    expect(elapsed).toBeGreaterThan(800);
    const gaps = [t0, ...ticks].slice(1).map((t, i) => t - ([t0, ...ticks][i] as number));
    // The loops hand a turn every 200 ms (measured: the longest gap 250-330 ms under load); without
    // them the timer waits most of the load (measured: 1.1 s of 1.3 s, 2.3 s of 3 s).
    expect(Math.max(...gaps)).toBeLessThan(Math.min(700, elapsed / 2));
  }, 60_000);
});

describe("one CSV row at most maxRowChars", () => {
  test("an unclosed quote that swallows the rest of the file stops at the limit, naming the row's line", async () => {
    const { csvRows } = await import("../../src/dataset/loaders/csv.ts");
    const path = file(`text,max_tokens\nhello,5\n"unclosed,5\n${"more text,7\n".repeat(200_000)}`);
    const rows: unknown[] = [];
    const error = await collect(csvRows(path, 1024 * 1024), rows);
    expect(error).toMatch(/:[123]: from this line on no row ends within 1 MiB, the most one row \(one request\) may hold; an unclosed quote\?$/);
    expect(error).toStartWith(path);
    expect(rows.length).toBeLessThanOrEqual(2);
  });
});
