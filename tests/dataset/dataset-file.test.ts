/**
 * dataset.bin: the streaming writer, the mapped reader, the plain-read scan; recipe turns (spans
 * into a corpus) against the same bodies stored whole; and the inputs.json indenter.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatasetWriter, openDataset, scanDataset, writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { indentJson } from "../../src/services/dataset/indent-json.ts";
import { writeInputsJsonFromDataset } from "../../src/services/dataset/inputs-file.ts";
import { createRng } from "../../src/core/rng.ts";
import type { TextSpans } from "../../src/dataset/loaders/model.ts";
import { joined, splicedBytes } from "./support.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("dataset.bin round trip: bodies, ISL, delays, timestamps and ids", () => {
  const path = join(mkdtempSync(join(tmpdir(), "aiperf-ds-")), "dataset.bin");
  writeDatasetFile(path, [
    {
      id: "a",
      turns: [
        { body: bytes('{"x":1}'), inputTokens: 7, timestampMs: 1500.5 },
        { body: bytes("{}"), inputTokens: null, delayMs: 250 },
      ],
    },
    { id: "session-long-id", turns: [{ body: bytes('{"y":2}'), inputTokens: 0 }] },
  ]);
  const ds = openDataset(path);
  expect([ds.conversations, ds.turns]).toEqual([2, 3]);
  expect(new TextDecoder().decode(ds.body(0, 0))).toBe('{"x":1}');
  expect([ds.inputTokens(0, 0), ds.inputTokens(0, 1), ds.inputTokens(1, 0)]).toEqual([7, null, 0]);
  expect([ds.delayMs(0, 0), ds.delayMs(0, 1)]).toEqual([0, 250]);
  expect([ds.timestampMs(0, 0), ds.timestampMs(0, 1), ds.timestampMs(1, 0)]).toEqual([1500.5, null, null]);
  expect([ds.conversationId(0), ds.conversationId(1)]).toEqual(["a", "session-long-id"]);
  expect([ds.turnIndex(0, 0), ds.turnIndex(0, 1), ds.turnIndex(1, 0)]).toEqual([0, 1, 2]);
  expect(() => ds.turnIndex(1, 1)).toThrow("No turn 1 in conversation 1");
  expect(() => ds.body(0, 2)).toThrow("No turn 2 in conversation 0");
});

test("the streaming writer: interleaved conversations grouped, sorted by first timestamp (stable, untimed first)", () => {
  const path = join(mkdtempSync(join(tmpdir(), "aiperf-ds-")), "dataset.bin");
  const writer = createDatasetWriter(path);
  const late = writer.conversation("late");
  const early = writer.conversation("early");
  writer.turn(late, { body: bytes("L0"), inputTokens: 1, timestampMs: 500 });
  writer.turn(early, { body: bytes("E0"), inputTokens: 2, timestampMs: 100 });
  const untimed = writer.conversation("untimed");
  writer.turn(untimed, { body: bytes("U0"), inputTokens: 3 });
  writer.turn(late, { body: bytes("L1"), inputTokens: 4, delayMs: 9 });
  const tie = writer.conversation("tie");
  writer.turn(tie, { body: bytes("T0"), inputTokens: 5, timestampMs: 500 });
  writer.turn(early, { body: bytes("E1".repeat(3 << 20)), inputTokens: 6, timestampMs: 200 });
  expect(writer.close({ sortByTimestamp: true })).toMatchObject({ conversations: 4, turns: 6 });
  const ds = openDataset(path);
  const ids = Array.from({ length: ds.conversations }, (_, c) => ds.conversationId(c));
  expect(ids).toEqual(["untimed", "early", "late", "tie"]);
  const text = (c: number, t: number) => new TextDecoder().decode(ds.body(c, t));
  expect([text(0, 0), text(1, 0), text(2, 0), text(2, 1), text(3, 0)]).toEqual(["U0", "E0", "L0", "L1", "T0"]);
  expect(ds.body(1, 1).length).toBe(6 << 20);
  expect([ds.inputTokens(2, 1), ds.delayMs(2, 1), ds.timestampMs(1, 1), ds.timestampMs(0, 0)]).toEqual([4, 9, 200, null]);
  // scanDataset reads the same conversations in the same order without a mapping.
  // Each entry is read before the next is asked for (its bodies share one buffer until then).
  const scanned: [string, string[]][] = [];
  for (const c of scanDataset(path)) scanned.push([c.id, c.bodies.map((b) => `${new TextDecoder().decode(b.subarray(0, 2))}×${b.length}`)]);
  expect(scanned).toEqual([
    ["untimed", ["U0×2"]],
    ["early", ["E0×2", `E1×${6 << 20}`]],
    ["late", ["L0×2", "L1×2"]],
    ["tie", ["T0×2"]],
  ]);
});

test("the streaming writer keeps the order conversations were started unless asked to sort; abort removes the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-ds-"));
  const writer = createDatasetWriter(join(dir, "a.bin"));
  for (const [id, ms] of [
    ["b", 2],
    ["a", 1],
  ] as const)
    writer.turn(writer.conversation(id), { body: bytes(id), inputTokens: null, timestampMs: ms });
  writer.close();
  const ds = openDataset(join(dir, "a.bin"));
  expect([ds.conversationId(0), ds.conversationId(1)]).toEqual(["b", "a"]);
  const aborted = createDatasetWriter(join(dir, "b.bin"));
  aborted.turn(aborted.conversation("x"), { body: bytes("x"), inputTokens: 1 });
  aborted.abort();
  expect(existsSync(join(dir, "b.bin"))).toBe(false);
});

/**
 * A corpus as hash-blocks.ts keeps it: JSON-escaped UTF-8 pieces written twice into one buffer,
 * so a window running past the end continues in the second copy; `starts` are the byte offsets
 * where pieces begin (a window between two of them is whole escaped characters).
 */
function escapedCorpus(pieces: string[]): { twice: Buffer; starts: number[]; length: number } {
  const escaped = pieces.map((piece) => bytes(JSON.stringify(piece).slice(1, -1)));
  const once = joined(escaped);
  const starts: number[] = [];
  let at = 0;
  for (const e of escaped) {
    starts.push(at);
    at += e.length;
  }
  for (const e of escaped) {
    starts.push(at);
    at += e.length;
  }
  starts.push(at);
  return { twice: Buffer.from(joined([once, once])), starts, length: once.length };
}

test("recipe turns: bodies, scans and inputs.json byte for byte those of the same bodies stored whole", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-ds-"));
  try {
    const rng = createRng(9);
    const alphabet = ["word ", "é", "漢字", "😀", '"', "\\", "\n", "\t", "\u0001", "—", "ß ", "\u2028"];
    const pieces = Array.from({ length: 300 }, () => alphabet[rng.int(alphabet.length)] as string);
    const corpus = escapedCorpus(pieces);
    // A second corpus registered as a slice of a larger buffer (ranges are of the slice), and
    // text in a buffer never registered (its bodies are stored whole).
    const outer = bytes(`${"x".repeat(100)}naïve 猫 text${"y".repeat(100)}`);
    const inner = Buffer.from(outer.buffer, 100, outer.length - 200);
    const loose = Buffer.from(bytes("plain text, no corpus"));
    // Skeleton pieces: one object per kind, reused by every turn (as the splicer's cache does);
    // the second has the text twice.
    const skeletons = [
      [bytes('{"model":"m","messages":[{"role":"user","content":"'), bytes('"}],"max_tokens":5}')],
      [bytes('{"model":"mödel “x”","prompt":"'), bytes('","echo":"'), bytes('","stream":true}')],
    ];
    const window = (): number[] => {
      // Whole pieces, sometimes past the end of the first copy (wrapping around the corpus).
      const first = rng.int(pieces.length);
      const n = 1 + rng.int(pieces.length - 1);
      return [corpus.starts[first] as number, corpus.starts[first + n] as number];
    };
    const path = join(dir, "recipe.bin");
    const writer = createDatasetWriter(path);
    writer.corpus(corpus.twice);
    writer.corpus(inner);
    const scratch = new Uint8Array(256);
    const expected: { id: string; bodies: Uint8Array[] }[] = [];
    let crossed = 0;
    let recipes = 0;
    for (let c = 0; c < 400; c++) {
      const id = `conv-${c}`;
      writer.conversation(id);
      const bodies: Uint8Array[] = [];
      for (let t = 0; t < 1 + rng.int(3); t++) {
        const kind = rng.int(5);
        const meta = { inputTokens: t, delayMs: t * 10 };
        if (kind === 0) {
          // Plain, from a scratch buffer overwritten by the next plain turn.
          const body = bytes(JSON.stringify({ plain: `${c}/${t} ünï` }));
          scratch.set(body);
          writer.turn(c, { ...meta, body: scratch.subarray(0, body.length) });
          scratch.fill(0);
          bodies.push(body);
          continue;
        }
        const skeleton = skeletons[rng.int(2)] as Uint8Array[];
        const text: TextSpans =
          kind === 1
            ? { bytes: inner, at: [0, 6, 6, inner.length] }
            : kind === 2
              ? { bytes: loose, at: [0, loose.length] }
              : { bytes: corpus.twice, at: [...window(), 5, 5, ...window()] };
        for (let k = 0; k < text.at.length; k += 2) {
          if (text.bytes === corpus.twice && (text.at[k] as number) < corpus.length && (text.at[k + 1] as number) > corpus.length) crossed++;
        }
        if (kind !== 2) recipes++;
        writer.turnSpliced(c, skeleton, text, meta);
        bodies.push(splicedBytes(skeleton, text));
      }
      expected.push({ id, bodies });
    }
    expect(crossed).toBeGreaterThan(50);
    expect(recipes).toBeGreaterThan(300);
    writer.close();
    const plainPath = join(dir, "plain.bin");
    writeDatasetFile(
      plainPath,
      expected.map(({ id, bodies }) => ({ id, turns: bodies.map((body, t) => ({ body, inputTokens: t, delayMs: t * 10 })) })),
    );
    // Stored as recipes: the file is smaller than the bodies stored whole, corpus included.
    expect(statSync(path).size).toBeLessThan(statSync(plainPath).size);
    const ds = openDataset(path);
    expect([ds.conversations, ds.turns]).toEqual([expected.length, expected.reduce((n, e) => n + e.bodies.length, 0)]);
    expected.forEach(({ id, bodies }, c) => {
      expect(ds.conversationId(c)).toBe(id);
      expect(ds.turnCount(c)).toBe(bodies.length);
      bodies.forEach((body, t) => {
        expect(ds.body(c, t)).toEqual(body);
        expect([ds.inputTokens(c, t), ds.delayMs(c, t)]).toEqual([t, t * 10]);
      });
    });
    const scanned = [...scanDataset(path)].length;
    expect(scanned).toBe(expected.length);
    let c = 0;
    for (const entry of scanDataset(path)) {
      expect(entry.id).toBe(expected[c]?.id as string);
      expect(entry.bodies).toEqual(expected[c]?.bodies as Uint8Array[]);
      c++;
    }
    // inputs.json read back from either file: the same bytes.
    await writeInputsJsonFromDataset(join(dir, "recipe.json"), path);
    await writeInputsJsonFromDataset(join(dir, "plain.json"), plainPath);
    expect(readFileSync(join(dir, "recipe.json"))).toEqual(readFileSync(join(dir, "plain.json")));
    JSON.parse(readFileSync(join(dir, "recipe.json"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("indentJson gives what JSON.stringify(value, null, 2) gives, nested lines shifted by the base", () => {
  const values = [
    { messages: [{ role: "user", content: 'quote " and \\ backslash \\" end\\\\' }], empty: [], none: {}, n: -1.5e-7, t: true, z: null },
    [[], [{}], "a,b:{c}[d]", { 'k:"x': [1, [2, [3]]] }],
    "just a string",
    42,
    { unicode: "naïve — 猫 \u0001 \n" },
  ];
  for (const value of values) {
    const chunks: Uint8Array[] = [];
    const sink = { write: (b: Uint8Array) => chunks.push(b.slice()), writeRange: (b: Uint8Array, from: number, to: number) => chunks.push(b.slice(from, to)) };
    indentJson(bytes(JSON.stringify(value)), 4, sink);
    const out = new TextDecoder().decode(Buffer.concat(chunks));
    expect(out).toBe(JSON.stringify(value, null, 2).replaceAll("\n", "\n    "));
  }
});
