/**
 * The one tokenizer shape the benchmark uses: prompt synthesis, ISL/OSL counting and the record
 * processors all go through it, whether the vocabulary is the embedded builtin or a local
 * Hugging Face `tokenizer.json`.
 */

/** Encodes and decodes text the way AIPerf counts tokens. */
export interface Tokenizer {
  /** What was loaded: `builtin`, a `tokenizer.json` path, or an HF cache model id. */
  readonly name: string;
  /** Token ids of `text`, never with special tokens added (no BOS/EOS, no template). */
  encode(text: string): number[];
  /** Text of `ids`, dropping special tokens. */
  decode(ids: readonly number[]): string;
  /** `encode(text).length`, possibly without building the id array. */
  count(text: string): number;
}
