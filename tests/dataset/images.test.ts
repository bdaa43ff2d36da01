/** Synthetic images: the PNG and JPEG encoders read back structurally, and the seeded image source. */
import { describe, expect, test } from "bun:test";
import { inflateSync } from "node:zlib";
import { createImageSource, encodeJpeg, encodePng } from "../../src/dataset/synthetic/index.ts";
import { optimalTable } from "../../src/dataset/synthetic/jpeg-huffman.ts";
import { crc32 } from "../../src/dataset/synthetic/png.ts";

function noise(width: number, height: number, seed = 1): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

type Chunk = { type: string; data: Uint8Array; crc: number };

function pngChunks(png: Uint8Array): Chunk[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = view.getUint32(at + 8 + length);
    expect(crc32(png.subarray(at + 4, at + 8 + length))).toBe(crc);
    chunks.push({ type, data, crc });
    at += 12 + length;
  }
  expect(at).toBe(png.length);
  return chunks;
}

/** JPEG markers in order (entropy-coded data skipped), with each segment's payload. */
function jpegSegments(jpeg: Uint8Array): { marker: number; data: Uint8Array }[] {
  const out: { marker: number; data: Uint8Array }[] = [];
  let at = 0;
  while (at < jpeg.length) {
    expect(jpeg[at]).toBe(0xff);
    const marker = jpeg[at + 1] as number;
    if (marker === 0xd8 || marker === 0xd9) {
      out.push({ marker, data: new Uint8Array(0) });
      at += 2;
      continue;
    }
    const length = ((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number);
    out.push({ marker, data: jpeg.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
    if (marker === 0xda) {
      // Entropy-coded data: 0xFF is always stuffed with 0x00 until the next marker.
      while (!(jpeg[at] === 0xff && jpeg[at + 1] !== 0x00)) at++;
    }
  }
  return out;
}

describe("PNG encoder", () => {
  test("header, dimensions, CRCs and pixels decode back with node:zlib", () => {
    const [w, h] = [13, 7];
    const rgb = noise(w, h);
    const chunks = pngChunks(encodePng(w, h, rgb));
    expect(chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    const ihdr = new DataView((chunks[0] as Chunk).data.buffer, (chunks[0] as Chunk).data.byteOffset, 13);
    expect([ihdr.getUint32(0), ihdr.getUint32(4)]).toEqual([w, h]);
    expect([...(chunks[0] as Chunk).data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    const raw = inflateSync((chunks[1] as Chunk).data);
    expect(raw.length).toBe(h * (w * 3 + 1));
    const pixels = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      expect(raw[y * (w * 3 + 1)]).toBe(0); // filter: none
      pixels.set(raw.subarray(y * (w * 3 + 1) + 1, (y + 1) * (w * 3 + 1)), y * w * 3);
    }
    expect([...pixels]).toEqual([...rgb]);
  });

  test("CRC-32 matches the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  test("refuses a buffer of the wrong size", () => {
    expect(() => encodePng(2, 2, new Uint8Array(5))).toThrow(/Expected 12 RGB bytes/);
  });
});

describe("JPEG encoder", () => {
  for (const [w, h] of [
    [1, 1],
    [8, 8],
    [37, 21],
    [200, 3],
  ] as const) {
    test(`${w}×${h}: SOI, DQT, SOF0 with the size, DHT, SOS, EOI`, () => {
      const segments = jpegSegments(encodeJpeg(w, h, noise(w, h)));
      const markers = segments.map((s) => s.marker);
      expect(markers[0]).toBe(0xd8);
      expect(markers.at(-1)).toBe(0xd9);
      expect(markers.filter((m) => m === 0xdb).length).toBe(2);
      expect(markers.filter((m) => m === 0xc4).length).toBe(4);
      expect(markers.indexOf(0xc0)).toBeLessThan(markers.indexOf(0xda));
      const sof = (segments.find((s) => s.marker === 0xc0) as { data: Uint8Array }).data;
      expect(sof[0]).toBe(8);
      expect(((sof[1] as number) << 8) | (sof[2] as number)).toBe(h);
      expect(((sof[3] as number) << 8) | (sof[4] as number)).toBe(w);
      expect(sof[5]).toBe(3);
    });
  }

  test("every Huffman table is a valid prefix code: ≤ 16 bits, Kraft sum < 1 (no all-ones code)", () => {
    const segments = jpegSegments(encodeJpeg(64, 40, noise(64, 40, 9)));
    for (const dht of segments.filter((s) => s.marker === 0xc4)) {
      const bits = [...dht.data.subarray(1, 17)];
      const values = dht.data.subarray(17);
      expect(values.length).toBe(bits.reduce((a, b) => a + b, 0));
      expect(new Set(values).size).toBe(values.length);
      const kraft = bits.reduce((sum, n, i) => sum + n / 2 ** (i + 1), 0);
      expect(kraft).toBeLessThan(1);
    }
  });

  test("lower quality gives coarser quantisation and a smaller file", () => {
    const rgb = noise(48, 48, 3);
    const dqt = (q: number) => jpegSegments(encodeJpeg(48, 48, rgb, q)).find((s) => s.marker === 0xdb)?.data[1];
    expect(dqt(10) as number).toBeGreaterThan(dqt(90) as number);
    expect(encodeJpeg(48, 48, rgb, 10).length).toBeLessThan(encodeJpeg(48, 48, rgb, 90).length);
  });
});

describe("image source", () => {
  const bytesOf = (uri: string): Uint8Array => Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64");

  test("stddev 0 gives the exact size; the data URI names the format", () => {
    const png = createImageSource({ widthMean: 30, widthStddev: 0, heightMean: 20, heightStddev: 0, format: "png" }, 1)();
    expect(png.uri.startsWith("data:image/png;base64,")).toBe(true);
    const ihdr = pngChunks(bytesOf(png.uri))[0] as Chunk;
    expect([new DataView(ihdr.data.buffer, ihdr.data.byteOffset).getUint32(0), new DataView(ihdr.data.buffer, ihdr.data.byteOffset).getUint32(4)]).toEqual([
      30, 20,
    ]);
    const jpeg = createImageSource({ widthMean: 30, widthStddev: 0, heightMean: 20, heightStddev: 0, format: "jpeg" }, 1)();
    expect(jpeg.uri.startsWith("data:image/jpeg;base64,")).toBe(true);
    const sof = jpegSegments(bytesOf(jpeg.uri)).find((s) => s.marker === 0xc0)?.data as Uint8Array;
    expect([((sof[3] as number) << 8) | (sof[4] as number), ((sof[1] as number) << 8) | (sof[2] as number)]).toEqual([30, 20]);
  });

  test("sizes follow the normal distribution (ceil, ≥ 1); random mixes both formats; seeded", () => {
    const opts = { widthMean: 40, widthStddev: 10, heightMean: 20, heightStddev: 5, format: "random" as const };
    const source = createImageSource(opts, 7);
    const images = Array.from({ length: 200 }, () => source());
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(images.map((i) => i.width)) - 40.5)).toBeLessThan(2.5);
    expect(Math.abs(mean(images.map((i) => i.height)) - 20.5)).toBeLessThan(1.5);
    expect(new Set(images.map((i) => i.width)).size).toBeGreaterThan(10);
    const pngs = images.filter((i) => i.format === "png").length;
    expect(pngs).toBeGreaterThan(60);
    expect(pngs).toBeLessThan(140);
    for (const i of images) expect(i.uri.startsWith(`data:image/${i.format};base64,`)).toBe(true);
    const again = createImageSource(opts, 7);
    expect(Array.from({ length: 5 }, () => again().uri)).toEqual(images.slice(0, 5).map((i) => i.uri));
    expect(createImageSource(opts, 8)().uri).not.toBe(images[0]?.uri);
  });
});

/**
 * A Python with Pillow, when this machine has one (.ci/run installs Debian's python3-pil for
 * /usr/bin/python3): an independent decoder. Without one the test is skipped, and CI's summary
 * line counts the skip.
 */
const pillow = ["python3", "/usr/bin/python3"].find((py) => Bun.spawnSync([py, "-c", "import PIL"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0);

test.skipIf(pillow === undefined)("an independent decoder (Pillow) reads both formats back: exact PNG pixels, JPEG within quantisation error", () => {
  const [w, h] = [45, 30];
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([x * 5, y * 8, 255 - x * 5], (y * w + x) * 3);
  const script =
    "import sys,io,base64\nfrom PIL import Image\nfor line in sys.stdin:\n  im=Image.open(io.BytesIO(base64.b64decode(line)))\n  print(im.format, im.size[0], im.size[1], base64.b64encode(im.convert('RGB').tobytes()).decode())";
  const input = `${Buffer.from(encodePng(w, h, rgb)).toString("base64")}\n${Buffer.from(encodeJpeg(w, h, rgb, 90)).toString("base64")}\n`;
  const run = Bun.spawnSync([pillow as string, "-c", script], { stdin: Buffer.from(input) });
  const [png, jpeg] = run.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => l.split(" ")) as [string[], string[]];
  expect(png.slice(0, 3)).toEqual(["PNG", String(w), String(h)]);
  expect(new Uint8Array(Buffer.from(png[3] as string, "base64"))).toEqual(rgb);
  expect(jpeg.slice(0, 3)).toEqual(["JPEG", String(w), String(h)]);
  const decoded = Buffer.from(jpeg[3] as string, "base64");
  let worst = 0;
  for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs((decoded[i] as number) - (rgb[i] as number)));
  expect(worst).toBeLessThan(24);
});

test("Huffman tables stay within 16 bits even for skewed (Fibonacci) frequencies, and stay prefix-free", () => {
  const freq = new Uint32Array(256);
  let [a, b] = [1, 1];
  for (let s = 0; s < 30; s++) {
    freq[s * 3] = a;
    [a, b] = [b, a + b];
  }
  const t = optimalTable(freq);
  const used = [...freq.keys()].filter((s) => (freq[s] as number) > 0);
  expect(t.values.slice().sort((x, y) => x - y)).toEqual(used);
  const sizes = used.map((s) => t.size[s] as number);
  expect(Math.max(...sizes)).toBe(16);
  expect(sizes.reduce((k, n) => k + 2 ** -n, 0)).toBeLessThan(1);
  const codes = used.map((s) => (t.code[s] as number).toString(2).padStart(t.size[s] as number, "0"));
  for (const c of codes) {
    expect(c).not.toMatch(/^1+$/);
    for (const d of codes) if (c !== d) expect(d.startsWith(c)).toBe(false);
  }
  // The most frequent symbol gets the shortest code.
  expect(t.size[29 * 3]).toBe(Math.min(...sizes));
});
