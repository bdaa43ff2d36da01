/**
 * createAppendFile (direct writes in whole blocks, the partial last block plainly): the file holds
 * exactly the bytes written, in order, whatever their sizes.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppendFile, createDirectFile } from "../../src/core/append-file.ts";
import { createRng } from "../../src/core/rng.ts";

describe("append file", () => {
  test("random sizes (tiny, block-straddling, larger than the stage), ranges, direct from the start or midway: the same bytes back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-append-"));
    try {
      const rng = createRng(9);
      for (const [total, directAfter] of [
        [0, 0],
        [1, 0],
        [4095, 0],
        [4096, 0],
        [4097, 0],
        [20 << 20, 0],
        [20 << 20, 8 << 20],
        [5000, undefined],
      ] as const) {
        const path = join(dir, `f-${total}-${directAfter}`);
        const expected = new Uint8Array(total);
        for (let i = 0; i < total; i++) expected[i] = (i * 31 + (i >> 12)) & 0xff;
        const file = createDirectFile(path, directAfter);
        for (let at = 0; at < total; ) {
          const n = Math.min(total - at, rng.int(3) === 0 ? 1 + rng.int(9 << 20) : 1 + rng.int(5000));
          if (rng.int(2) === 0) file.write(expected.subarray(at, at + n));
          else file.writeRange(expected, at, at + n);
          at += n;
          expect(file.size).toBe(at);
          await file.ready();
        }
        await file.close();
        expect(new Uint8Array(readFileSync(path))).toEqual(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("text (ASCII, multi-byte, larger than the stage) between bytes, across stage boundaries: its UTF-8 in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-append-"));
    try {
      const rng = createRng(4);
      const path = join(dir, "text");
      const file = createDirectFile(path, 0);
      const pieces: Uint8Array[] = [];
      const encoder = new TextEncoder();
      const samples = ["", "a", '"session_id": ', "mödel “x” 😀", "x".repeat(3 << 20), "é".repeat(1 << 20)];
      for (let i = 0; i < 400; i++) {
        if (rng.int(2) === 0) {
          const text = samples[rng.int(samples.length)] as string;
          file.writeText(text);
          pieces.push(encoder.encode(text));
        } else {
          const bytes = new Uint8Array(1 + rng.int(200_000)).fill(i & 0xff);
          file.write(bytes);
          pieces.push(bytes);
        }
      }
      await file.close();
      expect(new Uint8Array(readFileSync(path))).toEqual(new Uint8Array(Buffer.concat(pieces)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("abort removes the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-append-"));
    try {
      const file = createAppendFile(join(dir, "f"));
      file.write(new Uint8Array(10_000));
      file.abort();
      expect(existsSync(join(dir, "f"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("direct file", () => {
  test("abort waits for the writes in flight and removes the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-append-"));
    try {
      const file = createDirectFile(join(dir, "f"), 0);
      for (let i = 0; i < 5; i++) file.write(new Uint8Array(9 << 20).fill(i));
      await file.abort();
      expect(existsSync(join(dir, "f"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Counted as skipped, not passed, where there is no /dev/full.
  test.skipIf(!existsSync("/dev/full"))("a write that fails in flight (a full device) rejects ready() and close(), not later", async () => {
    const file = createDirectFile("/dev/full", 0);
    file.write(new Uint8Array(9 << 20));
    await expect(new Promise((resolve, reject) => setTimeout(() => (file.ready() ?? Promise.resolve()).then(resolve, reject), 200))).rejects.toThrow(
      /ENOSPC|no space/i,
    );
    await expect(file.close()).rejects.toThrow(/ENOSPC|no space/i);
  });
});
