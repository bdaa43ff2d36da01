/** createSpanReader: every span comes back as written, wherever it starts and ends, including the file's last bytes. */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSpanReader } from "../../src/core/span-reader.ts";
import { createRng } from "../../src/core/rng.ts";

test("random spans of a file not a whole number of blocks long, and a span past its end", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-span-"));
  try {
    const size = (10 << 20) + 1234;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
    writeFileSync(join(dir, "f"), data);
    const reader = createSpanReader(join(dir, "f"));
    const rng = createRng(4);
    const spans: [number, number][] = [
      [0, 1],
      [size - 1, 1],
      [size - 5000, 5000],
      [4095, 2],
      [0, size],
    ];
    for (let i = 0; i < 200; i++) {
      const at = rng.int(size);
      spans.push([at, 1 + rng.int(Math.min(size - at, 1 << 20))]);
    }
    for (const [at, length] of spans) {
      const got = reader.read(at, length);
      expect(got.length).toBe(length);
      expect(got[0]).toBe(data[at] as number);
      expect(got[length - 1]).toBe(data[at + length - 1] as number);
      if (length < 1 << 16) expect(got).toEqual(data.subarray(at, at + length));
    }
    expect(() => reader.read(size - 1, 2)).toThrow("Truncated");
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
