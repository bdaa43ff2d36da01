import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDataset, writeDatasetFile } from "../../src/protocol/dataset-file.ts";

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
