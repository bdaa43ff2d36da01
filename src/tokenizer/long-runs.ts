/**
 * Keeps tokenizing linear on degenerate text. BPE merges within one pre-tokenizer piece, and the
 * cost grows with the square of the piece's length; o200k's (and most HF) pre-tokenizers make a
 * run of letters, of punctuation or of whitespace one piece, so a reply of 1 MB without a space
 * took minutes to count. Runs longer than MAX_RUN characters are cut into MAX_RUN-character
 * parts that are tokenized separately. Text without such a run (any normal prose or code) is
 * tokenized whole, exactly as before; a cut can change a count by about one token per cut.
 */

/** Long enough that no real word reaches it; short enough that a piece costs microseconds. */
export const MAX_RUN = 256;

// Each alternative starts only where its run starts (the lookbehind), so the scan stays linear
// even on text made of runs just under the limit.
const LONG_RUN = new RegExp(
  [`(?<![\\p{L}\\p{M}])[\\p{L}\\p{M}]{${MAX_RUN + 1},}`, `(?<![^\\s\\p{L}\\p{N}])[^\\s\\p{L}\\p{N}]{${MAX_RUN + 1},}`, `(?<!\\s)\\s{${MAX_RUN + 1},}`].join(
    "|",
  ),
  "gu",
);

/** `text` cut inside its over-long runs, or undefined when it has none (the usual case). */
export function cutLongRuns(text: string): string[] | undefined {
  if (text.length <= MAX_RUN) return undefined;
  LONG_RUN.lastIndex = 0;
  let m = LONG_RUN.exec(text);
  if (m === null) return undefined;
  const parts: string[] = [];
  let from = 0;
  while (m !== null) {
    const end = m.index + m[0].length;
    for (let cut = m.index + MAX_RUN; cut < end; cut += MAX_RUN) {
      // Never between the halves of a surrogate pair.
      if (isLowSurrogate(text.charCodeAt(cut))) cut++;
      parts.push(text.slice(from, cut));
      from = cut;
    }
    m = LONG_RUN.exec(text);
  }
  parts.push(text.slice(from));
  return parts;
}

/** `count` applied part by part when the text has over-long runs. */
export function countBounded(text: string, count: (text: string) => number): number {
  const parts = cutLongRuns(text);
  if (parts === undefined) return count(text);
  let n = 0;
  for (const p of parts) n += count(p);
  return n;
}

/** `encode` applied part by part when the text has over-long runs. */
export function encodeBounded(text: string, encode: (text: string) => number[]): number[] {
  const parts = cutLongRuns(text);
  if (parts === undefined) return encode(text);
  const ids: number[] = [];
  for (const p of parts) for (const id of encode(p)) ids.push(id);
  return ids;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
