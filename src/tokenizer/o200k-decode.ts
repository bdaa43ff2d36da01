/**
 * o200k_base ids back to text, exactly as gpt-tokenizer's decode gave it (prompt synthesis and
 * hash-block prompts are decoded windows of corpus ids, and their text must not change).
 *
 * gpt-tokenizer appends a text token's string as is, and feeds each run of byte-array tokens
 * (single bytes, parts of characters) to one TextDecoder in streaming mode that it never
 * flushes: a character whose bytes a decode call leaves incomplete comes out at the start of the
 * next run of byte tokens, in the same call or a later one, and a byte-order mark is dropped only
 * from the first run ever decoded. Token by token decoding then gives whole characters (a
 * character's text comes out with its last token), which hash-blocks.ts's corpus slicer relies
 * on. This keeps one such decoder per tokenizer, fed the same runs; ids with no byte-array token
 * (every id of the builtin corpus) are decoded in one go, which gives the same text.
 * (tiktoken and Hugging Face decode each call on its own, invalid UTF-8 as U+FFFD; the two agree
 * wherever the ids' bytes are whole characters.)
 */
import { O200K_TOKEN_COUNT, type O200kTables } from "./o200k-tables.ts";

/** The text of the ordinary ids among `ids`; others (special, unknown, not integers) are skipped. */
export function createO200kDecode(tables: O200kTables): (ids: readonly number[]) => string {
  const { bytes, offsets, byteIds } = tables;
  const whole = new TextDecoder("utf-8", { ignoreBOM: true });
  const stream = new TextDecoder("utf-8");
  // A flag per id instead of a Set lookup: prompt synthesis decodes ~550 ids per prompt.
  const isByteId = new Uint8Array(O200K_TOKEN_COUNT);
  for (const id of byteIds) isByteId[id] = 1;
  const isByteToken = (id: number): boolean => isOrdinary(id) && isByteId[id] === 1;

  function bytesOf(ids: readonly number[], from: number, to: number): Uint8Array {
    let n = 0;
    for (let i = from; i < to; i++) n += tokenLength(ids[i] as number);
    const out = new Uint8Array(n);
    let at = 0;
    // Byte by byte: tokens are ~4 bytes, and a subarray per token (an object each) cost more than the copy.
    for (let i = from; i < to; i++) {
      const id = ids[i] as number;
      if (!isOrdinary(id)) continue;
      const end = offsets[id + 1] as number;
      for (let b = offsets[id] as number; b < end; b++) out[at++] = bytes[b] as number;
    }
    return out;
  }

  function tokenLength(id: number): number {
    return isOrdinary(id) ? (offsets[id + 1] as number) - (offsets[id] as number) : 0;
  }

  /** Ids from..to, all text tokens or skipped ones: their strings joined. */
  function texts(ids: readonly number[], from: number, to: number): string {
    return from === to ? "" : whole.decode(bytesOf(ids, from, to));
  }

  /** Ids from..to, byte-array tokens or skipped ones: through the streaming decoder. */
  function streamed(ids: readonly number[], from: number, to: number): string {
    const run = bytesOf(ids, from, to);
    return run.length === 0 ? "" : stream.decode(run, { stream: true });
  }

  return (ids) => {
    // Without byte tokens the streaming decoder is not used, whatever it holds.
    if (!ids.some(isByteToken)) return texts(ids, 0, ids.length);
    let out = "";
    let from = 0;
    while (from < ids.length) {
      let to = from;
      const bytesRun = isByteToken(ids[from] as number);
      // Skipped ids join whichever run they are in, as they do not exist for gpt-tokenizer.
      while (to < ids.length && (isByteToken(ids[to] as number) === bytesRun || !isOrdinary(ids[to] as number))) to++;
      out += bytesRun ? streamed(ids, from, to) : texts(ids, from, to);
      from = to;
    }
    return out;
  };
}

/**
 * Only ordinary ids decode: that is `skip_special_tokens`, and an id the vocabulary lacks is
 * dropped instead of throwing in the middle of a run.
 */
function isOrdinary(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < O200K_TOKEN_COUNT;
}
