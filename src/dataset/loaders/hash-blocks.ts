/**
 * Prompts from mooncake hash_ids (§3.3): every hash id stands for one block of --isl-block-size
 * corpus tokens, so the same id yields the same text in every request (what a server's prefix
 * cache sees as a shared block). The last block of a prompt is the first `final` tokens of its
 * id's block: final = input_length − (ids − 1) · block, in (0, block].
 *
 * An id's block starts at a corpus position hashed from the id and the seed: nothing is kept per
 * id (a trace may name tens of millions), and the text does not depend on the order ids are
 * first seen in. Upstream draws a random block per new id instead; either way distinct ids get
 * unrelated text and equal ids equal text, which is what a prefix cache sees. A block's text is a slice
 * of the corpus decoded once (corpusSlicer), or, for a tokenizer where that differs from
 * decoding, decoded per block with the most recent full blocks cached (at most MAX_CACHED; a
 * dropped one is decoded again, to the same text). Upstream puts a BOS/EOS id at each block
 * start; our Tokenizer exposes no special ids and decodes without them, so blocks are plain
 * corpus tokens.
 *
 * With the slicer, the corpus is also kept once as JSON-escaped UTF-8 bytes (what JSON.stringify
 * writes between a string's quotes), so a prompt's bytes in a request body are ranges of it
 * (promptSpans) and a million bodies are spliced, not stringified and encoded.
 */
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import { createRng, deriveSeed } from "../../core/rng.ts";
import type { TextSpans } from "./model.ts";

/** Full-block texts kept for reuse (≈2 KB each at 512 tokens). */
const MAX_CACHED = 16_384;

export type HashBlocks = {
  /** The prompt for `hashIds`; `finalSize` tokens come from the last id's block. */
  prompt(hashIds: readonly number[], finalSize: number): string;
  /**
   * The same prompt JSON-escaped and UTF-8 encoded, as ranges of one shared buffer, or null when
   * blocks are decoded one by one (no slicer) or exceed the corpus.
   */
  promptSpans(hashIds: readonly number[], finalSize: number): TextSpans | null;
};

/** The size of the last block, or a reason it does not fit. */
export function finalBlockSize(inputLength: number, ids: number, blockSize: number): number | string {
  const final = inputLength - (ids - 1) * blockSize;
  if (final > 0 && final <= blockSize) return final;
  return `input_length ${inputLength} does not fit ${ids} hash_ids of --isl-block-size ${blockSize}: the last block would have ${final} tokens (needs 1 to ${blockSize}, so input_length must be in ${(ids - 1) * blockSize + 1}..${ids * blockSize})`;
}

export function createHashBlocks(tokenizer: Tokenizer, corpus: Uint32Array, blockSize: number, seed: number): HashBlocks {
  const key = deriveSeed(seed, "hash-blocks") >>> 0;
  const fullTexts = new Map<number, string>();
  const window = (start: number, n: number): number[] => {
    const ids = new Array<number>(n);
    for (let i = 0; i < n; i++) ids[i] = corpus[(start + i) % corpus.length] ?? 0;
    return ids;
  };
  const startOf = (id: number): number => blockStart(id, key, corpus.length);
  const sliced = slicedCorpus(tokenizer, corpus);
  const slice = sliced?.slice ?? null;
  const escaped = sliced === null ? null : escapedCorpus(sliced.once, sliced.offsets);
  const blockText = (id: number, size: number): string => {
    if (slice !== null && size <= corpus.length) return slice(startOf(id), size);
    if (size !== blockSize) return flatten(tokenizer.decode(window(startOf(id), size)));
    let text = fullTexts.get(id);
    if (text === undefined) {
      text = flatten(tokenizer.decode(window(startOf(id), blockSize)));
      // Bounded: the oldest cached text goes first (a trace may name millions of ids).
      if (fullTexts.size >= MAX_CACHED) fullTexts.delete(fullTexts.keys().next().value as number);
      fullTexts.set(id, text);
    }
    return text;
  };
  return {
    prompt(hashIds, finalSize) {
      let text = "";
      hashIds.forEach((id, i) => {
        text += blockText(id, i === hashIds.length - 1 ? finalSize : blockSize);
      });
      return text;
    },
    promptSpans(hashIds, finalSize) {
      if (escaped === null || blockSize > corpus.length) return null;
      const at: number[] = [];
      for (let i = 0; i < hashIds.length; i++) {
        const start = startOf(hashIds[i] as number);
        const end = start + (i === hashIds.length - 1 ? finalSize : blockSize);
        const from = escaped.byteAt[start] as number;
        const to = end <= escaped.tokens ? (escaped.byteAt[end] as number) : escaped.once + (escaped.byteAt[end - escaped.tokens] as number);
        // A block that goes on where the previous one ended extends its range.
        if (at.length > 0 && at[at.length - 1] === from) at[at.length - 1] = to;
        else at.push(from, to);
      }
      return { bytes: escaped.twice, at };
    },
  };
}

/** A uniform corpus position for hash id `id` under `key` (32-bit finalizer of MurmurHash3 over both halves of the id). */
function blockStart(id: number, key: number, length: number): number {
  const lo = mix32((id >>> 0) ^ key);
  const hi = mix32(Math.floor(id / 0x1_0000_0000) ^ lo ^ 0x9e3779b9);
  // 53 bits of hash, so the modulo's bias is nil for any corpus.
  return ((hi >>> 0) * 0x20_0000 + (lo >>> 11)) % length;
}

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The text of `n` corpus tokens from `start` (wrapping around) as a slice of the corpus decoded
 * once, when that equals decoding them: true when every token decodes to whole characters on its
 * own and the decoder adds nothing at a window's start (checked on sample windows). Slices cost
 * nothing per prompt, where decoding a million trace prompts takes tens of seconds. Null when
 * the check fails: then blocks are decoded one by one.
 */
export function corpusSlicer(tokenizer: Tokenizer, corpus: Uint32Array): ((start: number, n: number) => string) | null {
  return slicedCorpus(tokenizer, corpus)?.slice ?? null;
}

/** corpusSlicer with the decoded corpus and each token's start in it (`offsets`, chars). */
function slicedCorpus(tokenizer: Tokenizer, corpus: Uint32Array): { slice: (start: number, n: number) => string; once: string; offsets: Float64Array } | null {
  const length = corpus.length;
  if (length === 0) return null;
  const offsets = new Float64Array(length + 1);
  const pieces: string[] = new Array(length);
  for (let i = 0; i < length; i++) {
    const piece = tokenizer.decode([corpus[i] as number]);
    pieces[i] = piece;
    offsets[i + 1] = (offsets[i] as number) + piece.length;
  }
  const once = flatten(pieces.join(""));
  const twice = flatten(once + once);
  const slice = (start: number, n: number): string => {
    const from = offsets[start] as number;
    const end = start + n;
    const to = end <= length ? (offsets[end] as number) : once.length * Math.floor(end / length) + (offsets[end % length] as number);
    return twice.slice(from, to);
  };
  const window = (start: number, n: number): number[] => Array.from({ length: n }, (_, i) => corpus[(start + i) % length] ?? 0);
  const rng = createRng(1);
  for (let k = 0; k < 64; k++) {
    const start = k === 0 ? 0 : rng.int(length);
    const n = 1 + rng.int(Math.min(length, 600));
    if (tokenizer.decode(window(start, n)) !== slice(start, n)) return null;
  }
  return { slice, once, offsets };
}

/**
 * The corpus as JSON-escaped UTF-8 bytes, written twice (`twice`, so windows that wrap around are
 * one range), each token's byte start in it (`byteAt`, tokens + 1 entries) and the length of one
 * copy (`once`). The starts are found by walking the decoded corpus once with JSON.stringify's
 * escape lengths; null if the walk disagrees with JSON.stringify of the whole corpus.
 */
function escapedCorpus(once: string, offsets: Float64Array): { twice: Buffer; byteAt: Float64Array; tokens: number; once: number } | null {
  const escaped = encoder.encode(JSON.stringify(once).slice(1, -1));
  const tokens = offsets.length - 1;
  const byteAt = new Float64Array(tokens + 1);
  let bytes = 0;
  let char = 0;
  for (let t = 0; t < tokens; t++) {
    byteAt[t] = bytes;
    const end = offsets[t + 1] as number;
    for (; char < end; char++) {
      const c = once.charCodeAt(char);
      if (c === 0x22 || c === 0x5c || c === 8 || c === 9 || c === 10 || c === 12 || c === 13) bytes += 2;
      else if (c < 0x20) bytes += 6;
      else if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && (once.charCodeAt(char + 1) & 0xfc00) === 0xdc00) {
        // A surrogate pair is one 4-byte character; tokens never split one (the slicer's check).
        bytes += 4;
        char++;
      } else if (c >= 0xd800 && c <= 0xdfff) bytes += 6;
      else bytes += 3;
    }
  }
  byteAt[tokens] = bytes;
  if (bytes !== escaped.length) return null;
  const twice = Buffer.alloc(2 * bytes);
  twice.set(escaped, 0);
  twice.set(escaped, bytes);
  return { twice, byteAt, tokens, once: bytes };
}

/**
 * A flat copy of `text`. Decoders build their result by appending one piece per token, which
 * the engine keeps as a rope of hundreds of small strings (≈9 KB per 500-token prompt, measured)
 * until something reads it; a million stored prompts would pay that many times over.
 */
function flatten(text: string): string {
  return decoder.decode(encoder.encode(text));
}
