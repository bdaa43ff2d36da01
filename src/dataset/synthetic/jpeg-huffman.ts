/**
 * Huffman tables for the JPEG encoder, built per image from symbol frequencies as ITU T.81
 * Annex K.2 describes: code lengths limited to 16 bits, the all-ones code never used, and the
 * canonical codes JPEG's DHT segment implies (`bits`: codes per length 1–16, `values`: symbols
 * in code order).
 */

/** A table as DHT writes it, plus each symbol's code and length for encoding. */
export type Huffman = { bits: number[]; values: number[]; code: Uint16Array; size: Uint8Array };

/** Annex K.2: code lengths from frequencies, limited to 16 bits, no all-ones code. */
export function optimalTable(freqIn: Uint32Array): Huffman {
  const freq = Array.from(freqIn, Number);
  freq[256] = 1; // reserved symbol: keeps the all-ones code unused
  const codeSize = new Array<number>(257).fill(0);
  const others = new Array<number>(257).fill(-1);
  for (;;) {
    let v1 = -1;
    let v2 = -1;
    for (let i = 0; i < 257; i++) {
      const f = freq[i] as number;
      if (f === 0) continue;
      if (v1 < 0 || f <= (freq[v1] as number)) v1 = i;
    }
    for (let i = 0; i < 257; i++) {
      const f = freq[i] as number;
      if (f === 0 || i === v1) continue;
      if (v2 < 0 || f <= (freq[v2] as number)) v2 = i;
    }
    if (v2 < 0) break;
    freq[v1] = (freq[v1] as number) + (freq[v2] as number);
    freq[v2] = 0;
    codeSize[v1] = (codeSize[v1] as number) + 1;
    while ((others[v1] as number) >= 0) {
      v1 = others[v1] as number;
      codeSize[v1] = (codeSize[v1] as number) + 1;
    }
    others[v1] = v2;
    codeSize[v2] = (codeSize[v2] as number) + 1;
    while ((others[v2] as number) >= 0) {
      v2 = others[v2] as number;
      codeSize[v2] = (codeSize[v2] as number) + 1;
    }
  }
  const count = new Array<number>(33).fill(0);
  for (let i = 0; i < 257; i++) {
    const len = codeSize[i] as number;
    if (len > 0) count[len] = (count[len] as number) + 1;
  }
  for (let i = 32; i > 16; i--) {
    while ((count[i] as number) > 0) {
      let j = i - 2;
      while (count[j] === 0) j--;
      count[i] = (count[i] as number) - 2;
      count[i - 1] = (count[i - 1] as number) + 1;
      count[j + 1] = (count[j + 1] as number) + 2;
      count[j] = (count[j] as number) - 1;
    }
  }
  let longest = 16;
  while (count[longest] === 0) longest--;
  count[longest] = (count[longest] as number) - 1; // drop the reserved symbol's code
  const values: number[] = [];
  for (let len = 1; len <= 32; len++) for (let s = 0; s < 256; s++) if (codeSize[s] === len) values.push(s);
  const bits = count.slice(1, 17);
  // Canonical codes, shortest first, in `values` order (lengths re-read from `bits`).
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let n = 0; n < (bits[len - 1] as number); n++) {
      const s = values[k++] as number;
      code[s] = next++;
      size[s] = len;
    }
    next <<= 1;
  }
  return { bits, values, code, size };
}
