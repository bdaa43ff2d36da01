/**
 * A small baseline JPEG encoder (ITU T.81): YCbCr 4:4:4, 8×8 float DCT, the Annex K quantisation
 * tables scaled to a quality as libjpeg does, and Huffman tables optimised per image (Annex K.2),
 * so every (run, size) symbol the image uses has a code. Output: SOI, APP0 (JFIF), DQT, SOF0,
 * DHT, SOS, entropy-coded data, EOI.
 */
import { type Huffman, optimalTable } from "./jpeg-huffman.ts";
import { assertImage } from "./png.ts";

const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103,
  77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

/** ZIGZAG[k] = the row-major index of the k-th coefficient in zigzag order. */
const ZIGZAG: number[] = (() => {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let y = 0; y < 8; y++) {
      const x = s - y;
      if (x >= 0 && x < 8) cells.push(y * 8 + x);
    }
    // Even diagonals run bottom-left to top-right, odd ones the other way.
    order.push(...(s % 2 === 0 ? cells.reverse() : cells));
  }
  return order;
})();

/** COS[u * 8 + x] = C(u)/2 · cos((2x+1)uπ/16). */
const COS: Float64Array = (() => {
  const t = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) t[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return t;
})();

function scaledTable(base: number[], quality: number): number[] {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - quality * 2;
  return base.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

/** Symbols of the entropy-coded segment, recorded first so the Huffman tables fit the image. */
class SymbolLog {
  table = new Uint8Array(1024); // 0 DC luma, 1 AC luma, 2 DC chroma, 3 AC chroma
  symbol = new Uint8Array(1024);
  extra = new Uint32Array(1024); // (value << 5) | bit count
  length = 0;
  push(table: number, symbol: number, bits: number, count: number): void {
    if (this.length === this.table.length) {
      const grow = <T extends Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.table = grow(this.table, (n) => new Uint8Array(n));
      this.symbol = grow(this.symbol, (n) => new Uint8Array(n));
      this.extra = grow(this.extra, (n) => new Uint32Array(n));
    }
    this.table[this.length] = table;
    this.symbol[this.length] = symbol;
    this.extra[this.length] = ((bits << 5) | count) >>> 0;
    this.length++;
  }
}

/** Bit count of |v| (JPEG's magnitude category) and the extra bits that carry v. */
function category(v: number): [size: number, bits: number] {
  const a = Math.abs(v);
  const size = a === 0 ? 0 : 32 - Math.clz32(a);
  return [size, v >= 0 ? v : v + (1 << size) - 1];
}

/** `rgb`: width × height × 3 bytes, rows top to bottom; quality 1–100 (libjpeg's scale). */
export function encodeJpeg(width: number, height: number, rgb: Uint8Array, quality = 75): Uint8Array {
  assertImage(width, height, rgb);
  if (width > 65535 || height > 65535) throw new RangeError(`JPEG images are at most 65535×65535, got ${width}×${height}`);
  const q = Math.max(1, Math.min(100, Math.round(quality)));
  const qTables = [scaledTable(LUMA_Q, q), scaledTable(CHROMA_Q, q)];
  const log = new SymbolLog();
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const previousDc = [0, 0, 0];
  const comp = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const py = Math.min(height - 1, by + y); // edge pixels repeat past the border
        for (let x = 0; x < 8; x++) {
          const at = (py * width + Math.min(width - 1, bx + x)) * 3;
          const r = rgb[at] as number;
          const g = rgb[at + 1] as number;
          const b = rgb[at + 2] as number;
          const i = y * 8 + x;
          (comp[0] as Float64Array)[i] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          (comp[1] as Float64Array)[i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
          (comp[2] as Float64Array)[i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
        }
      }
      for (let c = 0; c < 3; c++) {
        forwardDct(comp[c] as Float64Array, tmp, block);
        const table = qTables[c === 0 ? 0 : 1] as number[];
        const dcTable = c === 0 ? 0 : 2;
        const dc = Math.round((block[0] as number) / (table[0] as number));
        const [dcSize, dcBits] = category(dc - (previousDc[c] as number));
        previousDc[c] = dc;
        log.push(dcTable, dcSize, dcBits, dcSize);
        let run = 0;
        for (let k = 1; k < 64; k++) {
          const idx = ZIGZAG[k] as number;
          const v = Math.round((block[idx] as number) / (table[idx] as number));
          if (v === 0) {
            run++;
            continue;
          }
          while (run > 15) {
            log.push(dcTable + 1, 0xf0, 0, 0); // ZRL: sixteen zeros
            run -= 16;
          }
          const [size, bits] = category(v);
          log.push(dcTable + 1, (run << 4) | size, bits, size);
          run = 0;
        }
        if (run > 0) log.push(dcTable + 1, 0x00, 0, 0); // EOB
      }
    }
  }
  return assemble(width, height, qTables, log);
}

/** block = COS · f · COSᵀ (separable 2-D DCT-II). */
function forwardDct(f: Float64Array, tmp: Float64Array, out: Float64Array): void {
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let y = 0; y < 8; y++) s += (COS[u * 8 + y] as number) * (f[y * 8 + x] as number);
      tmp[u * 8 + x] = s;
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += (tmp[u * 8 + x] as number) * (COS[v * 8 + x] as number);
      out[u * 8 + v] = s;
    }
  }
}

function assemble(width: number, height: number, qTables: number[][], log: SymbolLog): Uint8Array {
  const freqs = [0, 1, 2, 3].map(() => new Uint32Array(256));
  for (let i = 0; i < log.length; i++) {
    const f = freqs[log.table[i] as number] as Uint32Array;
    const sym = log.symbol[i] as number;
    f[sym] = (f[sym] as number) + 1;
  }
  const tables = freqs.map(optimalTable);
  const out: number[] = [];
  const u16 = (v: number): void => {
    out.push((v >> 8) & 0xff, v & 0xff);
  };
  out.push(0xff, 0xd8); // SOI
  out.push(0xff, 0xe0); // APP0 JFIF 1.1, no thumbnail
  u16(16);
  out.push(0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0);
  qTables.forEach((table, id) => {
    out.push(0xff, 0xdb);
    u16(67);
    out.push(id);
    for (let k = 0; k < 64; k++) out.push(table[ZIGZAG[k] as number] as number);
  });
  out.push(0xff, 0xc0); // SOF0: 8-bit, 3 components, no subsampling
  u16(17);
  out.push(8);
  u16(height);
  u16(width);
  out.push(3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1);
  tables.forEach((t, i) => {
    out.push(0xff, 0xc4);
    u16(2 + 1 + 16 + t.values.length);
    out.push(((i & 1) << 4) | (i >> 1), ...t.bits, ...t.values); // class (0 DC, 1 AC) · id
  });
  out.push(0xff, 0xda); // SOS
  u16(12);
  out.push(3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0);
  // Entropy-coded bytes go to a growable buffer: a megapixel of noise is over a megabyte.
  let data = new Uint8Array(1 << 16);
  let size = 0;
  const emit = (byte: number): void => {
    if (size + 2 > data.length) {
      const bigger = new Uint8Array(data.length * 2);
      bigger.set(data);
      data = bigger;
    }
    data[size++] = byte;
    if (byte === 0xff) data[size++] = 0; // byte stuffing
  };
  let acc = 0;
  let accBits = 0;
  // count ≤ 16 and accBits < 8 before each call, so acc stays under 24 bits.
  const put = (value: number, count: number): void => {
    acc = (acc << count) | (value & ((1 << count) - 1));
    accBits += count;
    while (accBits >= 8) {
      accBits -= 8;
      emit((acc >>> accBits) & 0xff);
    }
    acc &= (1 << accBits) - 1;
  };
  for (let i = 0; i < log.length; i++) {
    const t = tables[log.table[i] as number] as Huffman;
    const s = log.symbol[i] as number;
    put(t.code[s] as number, t.size[s] as number);
    const extra = log.extra[i] as number;
    put(extra >>> 5, extra & 31);
  }
  if (accBits > 0) put(0x7f, 8 - accBits); // pad with ones
  const result = new Uint8Array(out.length + size + 2);
  result.set(out, 0);
  result.set(data.subarray(0, size), out.length);
  result.set([0xff, 0xd9], out.length + size); // EOI
  return result;
}
