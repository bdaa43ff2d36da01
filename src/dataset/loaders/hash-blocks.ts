/**
 * Prompts from mooncake hash_ids (§3.3): every hash id stands for one block of --isl-block-size
 * corpus tokens, drawn once per id, so the same id yields the same text in every request (what
 * a server's prefix cache sees as a shared block). The last block of a prompt is the first
 * `final` tokens of its id's block: final = input_length − (ids − 1) · block, in (0, block].
 *
 * Each id keeps only its corpus start (one number), not its tokens; full-block texts are cached
 * and prompts are string concatenations of them, which the engine stores as ropes sharing the
 * cached pieces. Upstream puts a BOS/EOS id at each block start; our Tokenizer exposes no
 * special ids and decodes without them, so blocks are plain corpus tokens.
 */
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import { createRng, deriveSeed } from "../../core/rng.ts";

export type HashBlocks = {
  /** The prompt for `hashIds`; `finalSize` tokens come from the last id's block. */
  prompt(hashIds: readonly number[], finalSize: number): string;
  readonly uniqueIds: number;
};

/** The size of the last block, or a reason it does not fit. */
export function finalBlockSize(inputLength: number, ids: number, blockSize: number): number | string {
  const final = inputLength - (ids - 1) * blockSize;
  if (final > 0 && final <= blockSize) return final;
  return `input_length ${inputLength} does not fit ${ids} hash_ids of --isl-block-size ${blockSize}: the last block would have ${final} tokens (needs 1 to ${blockSize}, so input_length must be in ${(ids - 1) * blockSize + 1}..${ids * blockSize})`;
}

export function createHashBlocks(tokenizer: Tokenizer, corpus: Uint32Array, blockSize: number, seed: number): HashBlocks {
  const rng = createRng(deriveSeed(seed, "hash-blocks"));
  const starts = new Map<number, number>();
  const fullTexts = new Map<number, string>();
  const window = (start: number, n: number): number[] => {
    const ids = new Array<number>(n);
    for (let i = 0; i < n; i++) ids[i] = corpus[(start + i) % corpus.length] ?? 0;
    return ids;
  };
  const startOf = (id: number): number => {
    let start = starts.get(id);
    if (start === undefined) {
      start = rng.int(corpus.length);
      starts.set(id, start);
    }
    return start;
  };
  const blockText = (id: number, size: number): string => {
    if (size !== blockSize) return flatten(tokenizer.decode(window(startOf(id), size)));
    let text = fullTexts.get(id);
    if (text === undefined) {
      text = flatten(tokenizer.decode(window(startOf(id), blockSize)));
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
    get uniqueIds() {
      return starts.size;
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A flat copy of `text`. Decoders build their result by appending one piece per token, which
 * the engine keeps as a rope of hundreds of small strings (≈9 KB per 500-token prompt, measured)
 * until something reads it; a million stored prompts would pay that many times over.
 */
function flatten(text: string): string {
  return decoder.decode(encoder.encode(text));
}
