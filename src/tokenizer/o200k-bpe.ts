/**
 * o200k_base byte-pair encoding over the typed-array tables of o200k-tables.ts: tiktoken's
 * algorithm (cut the text with the encoding's pre-tokenizer pattern, then merge each piece's
 * UTF-8 bytes pair by pair, lowest rank first), giving the ids gpt-tokenizer gives, which tests
 * check on a large text set. Nothing is allocated per piece: pieces are found with a sticky
 * regex `test` and encoded into a reused byte buffer.
 */
import { finishHash, ID_BITS, type O200kTables, SLOT_MASK, tagOf } from "./o200k-tables.ts";

/**
 * o200k_base's pre-tokenizer pattern, as tiktoken defines it; JS has no inline case-insensitive
 * group, so the contraction suffix spells out both cases (as gpt-tokenizer does).
 */
const CONTRACTION = String.raw`(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`;
const O200K_PATTERN = [
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+${CONTRACTION}`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*${CONTRACTION}`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join("|");

const ID_MASK = (1 << ID_BITS) - 1;

/** Pieces of at least this many bytes that are not one token are cached (a shorter merge costs about a Map lookup). */
const CACHED_BYTES = 16;
/** The cache's bound, in key characters (with the ids, a few MB at most). */
const CACHE_CHARS = 1 << 20;

/** No rank: a pair that is not a token. */
const NONE = 0x7fffffff;

interface O200kBpe {
  /** Appends the ids of `text` to `out`; returns how many were appended. */
  encodeInto(text: string, out: number[]): number;
  count(text: string): number;
}

export function createO200kBpe(tables: O200kTables): O200kBpe {
  const { bytes, offsets, slots, hiddenIds } = tables;
  // Every character of any text is matched by one of the pattern's alternatives, so a sticky
  // match at the end of the previous piece finds the next; the global form is the fallback.
  const stickyPiece = new RegExp(O200K_PATTERN, "uy");
  const nextPiece = new RegExp(O200K_PATTERN, "gu");
  let buf = new Uint8Array(1024);
  let starts = new Int32Array(1024);
  let ranks = new Int32Array(1024);
  /**
   * Merged ids of the longer pieces seen lately. The merge is quadratic in a piece's length
   * (~35 µs for 256 letters) and degenerate replies repeat themselves (a model looping, a test
   * server's filler): gpt-tokenizer keeps such a cache too, and without one a 10 MB reply of a
   * few hundred distinct 256-letter parts took 4× gpt-tokenizer's time. Emptied when full.
   */
  const cache = new Map<string, number[]>();
  let cachedChars = 0;

  /** The id whose bytes are buf[at, at + n), or -1. */
  function find(at: number, n: number): number {
    let h = 0x811c9dc5;
    for (let i = at; i < at + n; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
    h = finishHash(h);
    const tag = tagOf(h);
    let slot = h & SLOT_MASK;
    for (;;) {
      const entry = slots[slot] as number;
      if (entry === 0) return -1;
      if (((entry ^ tag) & ~ID_MASK) === 0) {
        const id = (entry & ID_MASK) - 1;
        const from = offsets[id] as number;
        if ((offsets[id + 1] as number) - from === n && sameBytes(from, at, n)) return id;
      }
      slot = (slot + 1) & SLOT_MASK;
    }
  }

  function sameBytes(from: number, at: number, n: number): boolean {
    for (let i = 0; i < n; i++) if (bytes[from + i] !== buf[at + i]) return false;
    return true;
  }

  /**
   * The rank of buf[at, at + n) as gpt-tokenizer looks bytes up: valid UTF-8 is decoded to a
   * string first, and its TextDecoder drops a leading byte-order mark, so such bytes rank as the
   * text after the mark, and the byte-array tokens that are valid UTF-8 are never found.
   * Only bytes that start with EF BB BF can tell the difference.
   */
  function rankOf(at: number, n: number): number {
    if (n >= 3 && buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf && isUtf8(at, n)) {
      const id = n === 3 ? -1 : find(at + 3, n - 3);
      return id < 0 || hiddenIds.has(id) ? NONE : id;
    }
    const id = find(at, n);
    return id < 0 ? NONE : id;
  }

  /** Whether buf[at, at + n) is well-formed UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
  function isUtf8(at: number, n: number): boolean {
    const end = at + n;
    let i = at;
    while (i < end) {
      const b = buf[i] as number;
      const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      if (size === 0 || i + size > end) return false;
      let cp = size === 1 ? b : b & (0xff >> (size + 1));
      for (let j = 1; j < size; j++) {
        const c = buf[i + j] as number;
        if ((c & 0xc0) !== 0x80) return false;
        cp = (cp << 6) | (c & 0x3f);
      }
      if ((size === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (size === 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
      i += size;
    }
    return true;
  }

  /** Writes text[from, to) to buf as UTF-8 (lone surrogates as U+FFFD); returns the byte count. */
  function toUtf8(text: string, from: number, to: number): number {
    if ((to - from) * 3 > buf.length) buf = new Uint8Array((to - from) * 3 * 2);
    let n = 0;
    for (let i = from; i < to; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        buf[n++] = c;
      } else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const low = i + 1 < to ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
          buf[n++] = 0xf0 | (c >> 18);
          buf[n++] = 0x80 | ((c >> 12) & 0x3f);
          buf[n++] = 0x80 | ((c >> 6) & 0x3f);
          buf[n++] = 0x80 | (c & 0x3f);
        } else {
          buf[n++] = 0xef;
          buf[n++] = 0xbf;
          buf[n++] = 0xbd;
        }
      } else {
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
      }
    }
    return n;
  }

  /** Tokens of text[from, to), one pre-tokenizer piece; pushed to `out` when given; returns the count. */
  function encodePiece(text: string, from: number, to: number, out: number[] | undefined): number {
    const n = toUtf8(text, from, to);
    // The whole piece first, looked up as text. gpt-tokenizer looks up a piece with a lone
    // surrogate as JS text, which no token is; that the merges then reach the same token is
    // checked by a test for every token with U+FFFD in it, so the bytes are looked up here.
    const id = find(0, n);
    if (id >= 0 && !(buf[0] === 0xef && hiddenIds.has(id))) {
      out?.push(id);
      return 1;
    }
    if (n < CACHED_BYTES) return merge(n, out);
    const key = text.slice(from, to);
    let ids = cache.get(key);
    if (ids === undefined) {
      ids = [];
      merge(n, ids);
      if (cachedChars + key.length > CACHE_CHARS) {
        cache.clear();
        cachedChars = 0;
      }
      cache.set(key, ids);
      cachedChars += key.length;
    }
    if (out !== undefined) for (const i of ids) out.push(i);
    return ids.length;
  }

  /** tiktoken's byte-pair merge of buf[0, n): repeatedly join the adjacent pair of lowest rank. */
  function merge(n: number, out: number[] | undefined): number {
    if (n + 1 > starts.length) {
      starts = new Int32Array((n + 1) * 2);
      ranks = new Int32Array((n + 1) * 2);
    }
    let parts = n + 1; // entries in starts; the parts are starts[i]..starts[i + 1]
    for (let i = 0; i <= n; i++) {
      starts[i] = i;
      ranks[i] = i < n - 1 ? rankOf(i, 2) : NONE;
    }
    while (parts > 1) {
      let lowest = NONE;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        const r = ranks[i] as number;
        if (r < lowest) {
          lowest = r;
          at = i;
        }
      }
      if (at < 0) break;
      starts.copyWithin(at + 1, at + 2, parts);
      ranks.copyWithin(at + 1, at + 2, parts);
      parts--;
      ranks[at] = pairRank(at, parts);
      if (at > 0) ranks[at - 1] = pairRank(at - 1, parts);
    }
    if (out !== undefined) {
      for (let i = 0; i < parts - 1; i++) {
        const from = starts[i] as number;
        out.push(rankOf(from, (starts[i + 1] as number) - from));
      }
    }
    return parts - 1;
  }

  /** The rank of parts i and i + 1 joined, or NONE. */
  function pairRank(i: number, parts: number): number {
    if (i + 2 >= parts) return NONE;
    const from = starts[i] as number;
    return rankOf(from, (starts[i + 2] as number) - from);
  }

  function run(text: string, out: number[] | undefined): number {
    let count = 0;
    let at = 0;
    while (at < text.length) {
      stickyPiece.lastIndex = at;
      let from = at;
      let to: number;
      if (stickyPiece.test(text)) {
        to = stickyPiece.lastIndex;
      } else {
        nextPiece.lastIndex = at;
        const m = nextPiece.exec(text);
        if (m === null) break;
        from = m.index;
        to = nextPiece.lastIndex;
      }
      count += encodePiece(text, from, to, out);
      at = to;
    }
    return count;
  }

  return { encodeInto: run, count: (text) => run(text, undefined) };
}
