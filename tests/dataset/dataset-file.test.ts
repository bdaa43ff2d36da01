/** dataset.bin: the streaming writer, the mapped reader, the plain-read scan; and the inputs.json indenter. */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatasetWriter, openDataset, scanDataset, writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { bufferedSink, indentJson } from "../../src/services/dataset/indent-json.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("dataset.bin round trip: bodies, ISL, delays, timestamps and ids", () => {
  const path = join(mkdtempSync(join(tmpdir(), "aiperf-ds-")), "dataset.bin");
  writeDatasetFile(path, [
    { id: "a", turns: [{ body: bytes('{"x":1}'), inputTokens: 7, timestampMs: 1500.5 }, { body: bytes("{}"), inputTokens: null, delayMs: 250 }] },
    { id: "session-long-id", turns: [{ body: bytes('{"y":2}'), inputTokens: 0 }] },
  ]);
  const ds = openDataset(path);
  expect([ds.conversations, ds.turns]).toEqual([2, 3]);
  expect(new TextDecoder().decode(ds.body(0, 0))).toBe('{"x":1}');
  expect([ds.inputTokens(0, 0), ds.inputTokens(0, 1), ds.inputTokens(1, 0)]).toEqual([7, null, 0]);
  expect([ds.delayMs(0, 0), ds.delayMs(0, 1)]).toEqual([0, 250]);
  expect([ds.timestampMs(0, 0), ds.timestampMs(0, 1), ds.timestampMs(1, 0)]).toEqual([1500.5, null, null]);
  expect([ds.conversationId(0), ds.conversationId(1)]).toEqual(["a", "session-long-id"]);
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
  expect(scanned).toEqual([["untimed", ["U0×2"]], ["early", ["E0×2", `E1×${6 << 20}`]], ["late", ["L0×2", "L1×2"]], ["tie", ["T0×2"]]]);
});

test("the streaming writer keeps the order conversations were started unless asked to sort; abort removes the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-ds-"));
  const writer = createDatasetWriter(join(dir, "a.bin"));
  for (const [id, ms] of [["b", 2], ["a", 1]] as const) writer.turn(writer.conversation(id), { body: bytes(id), inputTokens: null, timestampMs: ms });
  writer.close();
  const ds = openDataset(join(dir, "a.bin"));
  expect([ds.conversationId(0), ds.conversationId(1)]).toEqual(["b", "a"]);
  const aborted = createDatasetWriter(join(dir, "b.bin"));
  aborted.turn(aborted.conversation("x"), { body: bytes("x"), inputTokens: 1 });
  aborted.abort();
  expect(existsSync(join(dir, "b.bin"))).toBe(false);
});

test("indentJson gives what JSON.stringify(value, null, 2) gives, nested lines shifted by the base", () => {
  const values = [
    { messages: [{ role: "user", content: 'quote " and \\ backslash \\" end\\\\' }], empty: [], none: {}, n: -1.5e-7, t: true, z: null },
    [[], [{}], "a,b:{c}[d]", { "k:\"x": [1, [2, [3]]] }],
    "just a string",
    42,
    { unicode: "naïve — 猫 \u0001 \n" },
  ];
  for (const value of values) {
    const chunks: Uint8Array[] = [];
    const sink = bufferedSink((b) => chunks.push(new Uint8Array(b)), 16);
    indentJson(bytes(JSON.stringify(value)), 4, sink);
    sink.flush();
    const out = new TextDecoder().decode(Buffer.concat(chunks));
    expect(out).toBe(JSON.stringify(value, null, 2).replaceAll("\n", "\n    "));
  }
});
