/**
 * Prompts of an exact token count. As upstream: a random start in the tokenized corpus, N ids
 * with wrap-around, decoded. Decoded text does not always re-encode to N ids (merges across the
 * cut, multi-byte characters split between ids), so, like upstream's `_decode_to_exact_len`, the
 * window is then resized until `count(text) === N`.
 */
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import type { Rng } from "../../core/rng.ts";

/** Cuts prompts from a tokenized corpus. */
export interface PromptGenerator {
  /** Text that re-encodes to exactly `n` tokens (n ≥ 0). */
  promptOfTokens(n: number): string;
  /** `n` corpus ids from a random start, wrapping around (hash-id blocks use these raw). */
  sampleTokens(n: number): number[];
}

/** Resizes per start before trying another start; both bounds keep the repair finite. */
const MAX_RESIZES_PER_START = 12;
const MAX_STARTS = 16;

type Candidate = { text: string; count: number };

/** A generator over `corpus` (ids from `tokenizeCorpus` with the same tokenizer). */
export function createPromptGenerator(tokenizer: Tokenizer, corpus: Uint32Array, rng: Rng): PromptGenerator {
  if (corpus.length === 0) throw new RangeError("Corpus must hold at least one token");
  const window = (start: number, n: number): number[] => {
    const ids = new Array<number>(n);
    for (let i = 0; i < n; i++) ids[i] = corpus[(start + i) % corpus.length] ?? 0;
    return ids;
  };

  /**
   * Resizes the id window at `start` until its text counts `n`; returns that text, or undefined
   * when the count jumps over `n` here (e.g. 549 → 551). `seen` gets every text tried.
   */
  const fitFrom = (start: number, n: number, seen: (c: Candidate) => void): string | undefined => {
    const tried = new Set<number>();
    let size = n;
    for (let step = 0; step < MAX_RESIZES_PER_START; step++) {
      const text = tokenizer.decode(window(start, size));
      const count = tokenizer.count(text);
      if (count === n) return text;
      seen({ text, count });
      tried.add(size);
      // Counts track window sizes almost one to one, so jump by the miss, then creep by one.
      let next = Math.max(1, size + n - count);
      if (tried.has(next)) next = Math.max(1, size + Math.sign(n - count));
      if (tried.has(next)) return undefined;
      size = next;
    }
    return undefined;
  };

  return {
    promptOfTokens(n) {
      assertCount(n);
      if (n === 0) return "";
      // The shortest text that overshoots n, and the longest that falls short: the last resort.
      let over: Candidate | undefined;
      let under: Candidate | undefined;
      const seen = (c: Candidate): void => {
        if (c.count > n && (over === undefined || c.count < over.count)) over = c;
        if (c.count < n && (under === undefined || c.count > under.count)) under = c;
      };
      for (let attempt = 0; attempt < MAX_STARTS; attempt++) {
        const text = fitFrom(rng.int(corpus.length), n, seen);
        if (text !== undefined) return text;
      }
      return over === undefined ? (under?.text ?? "") : trimToCount(tokenizer, over.text, n);
    },
    sampleTokens(n) {
      assertCount(n);
      return window(rng.int(corpus.length), n);
    },
  };
}

/**
 * Last resort after every start missed: the longest prefix of `text` (by characters) whose
 * count is ≤ n, found by bisection. Exact whenever some prefix hits n; never loops.
 */
function trimToCount(tokenizer: Tokenizer, text: string, n: number): string {
  let low = 0; // count(text[0, low)) ≤ n
  let high = text.length; // count(text[0, high)) > n
  while (high - low > 1) {
    let mid = (low + high) >>> 1;
    // Never cut between the halves of a surrogate pair: a lone half re-encodes as U+FFFD.
    if (mid - 1 > low && isHighSurrogate(text.charCodeAt(mid - 1))) mid -= 1;
    if (tokenizer.count(text.slice(0, mid)) <= n) low = mid;
    else high = mid;
  }
  return text.slice(0, low);
}

function assertCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Token count must be an integer ≥ 0, got ${n}`);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
