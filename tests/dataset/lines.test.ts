/** The chunked line readers under every loader: line splitting, numbering, chunk edges, JSON errors, closing. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LineOptions, readJsonLineBatches, readJsonLines, readLines } from "../../src/dataset/loaders/lines.ts";
import { DatasetInputError } from "../../src/dataset/loaders/model.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A new file holding `content` (a string is written as UTF-8). */
function file(content: string | Uint8Array): string {
  const path = join(dir, `f${files++}.txt`);
  writeFileSync(path, content);
  return path;
}

async function lines(path: string, options?: LineOptions): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const { text, line } of readLines(path, options)) out.push([text, line]);
  return out;
}

async function values(path: string, options?: LineOptions): Promise<[unknown, number][]> {
  const out: [unknown, number][] = [];
  for await (const { value, line } of readJsonLines(path, options)) out.push([value, line]);
  return out;
}

/** The error `run` ends with (fails the test when it ends without one). */
async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

/** What the engine says about `text`, as the "invalid JSON (...)" error quotes it. */
function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parses`);
}

describe("readLines", () => {
  test("\\n and \\r\\n endings, blank lines numbered, a final line without a newline", async () => {
    expect(await lines(file("a\n\nb\r\n\r\nc"))).toEqual([
      ["a", 1],
      ["", 2],
      ["b", 3],
      ["", 4],
      ["c", 5],
    ]);
  });

  test("a final newline ends the last line, it does not start an empty one", async () => {
    expect(await lines(file("a\nb\n"))).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(await lines(file("\n"))).toEqual([["", 1]]);
    expect(await lines(file("x\r"))).toEqual([["x", 1]]);
  });

  test("an empty file has no lines", async () => {
    expect(await lines(file(""))).toEqual([]);
  });

  test("a \\r alone ends a line too, as Python's universal newlines (upstream's readers) do", async () => {
    expect(await lines(file("a\rb\nc\r\r\n"))).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["", 4],
    ]);
    expect(await lines(file("x\ry\r"))).toEqual([
      ["x", 1],
      ["y", 2],
    ]);
  });

  test("a UTF-8 BOM is kept as U+FEFF at the start of line 1, as readline did", async () => {
    expect(await lines(file("\uFEFFa\nb\n"))).toEqual([
      ["\uFEFFa", 1],
      ["b", 2],
    ]);
  });

  test("invalid UTF-8 decodes to U+FFFD, the line and its neighbours intact", async () => {
    expect(await lines(file(new Uint8Array([0x61, 0x0a, 0xff, 0x62, 0x0a, 0x63])))).toEqual([
      ["a", 1],
      ["\uFFFDb", 2],
      ["c", 3],
    ]);
  });

  // 2-, 3- and 4-byte characters, \r\n and a line of 40 bytes: every chunk size from 1 byte up
  // cuts some of them at a read edge, and the line is longer than most of the chunks.
  const text = "é€😀\r\n\r\nplain\n" + "ü".repeat(12) + "😀".repeat(4) + "\r\n€\r\nend😀";
  const expected: [string, number][] = [
    ["é€😀", 1],
    ["", 2],
    ["plain", 3],
    ["ü".repeat(12) + "😀".repeat(4), 4],
    ["€", 5],
    ["end😀", 6],
  ];
  for (let chunkBytes = 1; chunkBytes <= 48; chunkBytes++) {
    test(`chunks of ${chunkBytes} bytes: characters, \\r\\n and long lines cut at read edges come out whole`, async () => {
      expect(await lines(file(text), { chunkBytes })).toEqual(expected);
    });
  }

  test("a line many times the chunk size", async () => {
    const long = "x".repeat(10_000) + "€".repeat(1000);
    expect(await lines(file(`a\n${long}\r\nb`), { chunkBytes: 64 })).toEqual([
      ["a", 1],
      [long, 2],
      ["b", 3],
    ]);
  });

  test("a missing file is the open error", async () => {
    const error = await failure(() => lines(join(dir, "missing.txt")));
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});

describe("readJsonLines", () => {
  test("the object on each non-empty line, with its line number", async () => {
    const path = file('{"a":1}\n\n  \r\n{"b":"€"}\r\n{"c":[1,2]}');
    expect(await values(path)).toEqual([
      [{ a: 1 }, 1],
      [{ b: "€" }, 4],
      [{ c: [1, 2] }, 5],
    ]);
    expect(await values(path, { chunkBytes: 3 })).toEqual(await values(path));
  });

  test("invalid JSON names the file and line, after the lines before it were yielded", async () => {
    const path = file('{"a":1}\n\n{"b":\n{"c":3}\n');
    const seen: number[] = [];
    const error = await failure(async () => {
      for await (const { line } of readJsonLines(path)) seen.push(line);
    });
    expect(error).toBeInstanceOf(DatasetInputError);
    expect(error.message).toBe(`${path}:3: invalid JSON (${parseError('{"b":')})`);
    expect(seen).toEqual([1]);
  });

  test("a line that is not an object", async () => {
    for (const bad of ["[1]", "3", "null", '"s"']) {
      const path = file(`{"a":1}\n${bad}\n`);
      const error = await failure(() => values(path));
      expect(error).toBeInstanceOf(DatasetInputError);
      expect(error.message).toBe(`${path}:2: expected a JSON object`);
    }
  });

  test("a file with no data line is empty", async () => {
    for (const content of ["", "\n", " \r\n\n\t\n"]) {
      const path = file(content);
      const error = await failure(() => values(path));
      expect(error).toBeInstanceOf(DatasetInputError);
      expect(error.message).toBe(`${path}:1: the file is empty (no JSON lines)`);
    }
  });

  test("a BOM makes line 1 invalid JSON, as with readline", async () => {
    const path = file('\uFEFF{"a":1}\n');
    const error = await failure(() => values(path));
    expect(error.message).toBe(`${path}:1: invalid JSON (${parseError('\uFEFF{"a":1}')})`);
  });
});

describe("readJsonLineBatches", () => {
  const path = file('{"a":1}\n\n{"b":2}\r\n{"c":3}\n{"d":4}');

  test("the same objects and lines as readJsonLines, a chunk at a time", async () => {
    for (const chunkBytes of [4, 16, 1 << 20]) {
      const batches: [unknown, number][][] = [];
      for await (const batch of readJsonLineBatches(path, { chunkBytes })) batches.push(batch.map(({ value, line }) => [value, line]));
      expect(batches.flat()).toEqual(await values(path));
    }
  });

  test("the objects before a bad line come first, then its error", async () => {
    const bad = file('{"a":1}\n{"b":2}\n{x\n{"d":4}\n');
    const seen: number[] = [];
    const error = await failure(async () => {
      for await (const batch of readJsonLineBatches(bad)) seen.push(...batch.map((v) => v.line));
    });
    expect(seen).toEqual([1, 2]);
    expect(error.message).toBe(`${bad}:3: invalid JSON (${parseError("{x")})`);
  });
});

describe("closing", () => {
  const openFds = (): number => readdirSync("/proc/self/fd").length;
  const path = file("a\nb\nc\n".repeat(1000));
  const json = file('{"a":1}\n'.repeat(1000));

  test("readers left early by break or a throw close their file", async () => {
    const before = openFds();
    for (let i = 0; i < 200; i++) {
      for await (const _ of readLines(path)) break;
      for await (const _ of readJsonLines(json)) break;
      for await (const _ of readJsonLineBatches(json, { chunkBytes: 64 })) break;
      await failure(async () => {
        for await (const { line } of readLines(path, { chunkBytes: 16 })) if (line === 5) throw new Error("stop");
      });
    }
    expect(openFds()).toBe(before);
  });

  test("readers run to the end or to an input error close their file", async () => {
    const before = openFds();
    for (let i = 0; i < 50; i++) {
      await lines(path);
      await failure(() => values(path));
    }
    expect(openFds()).toBe(before);
  });
});
