/** One call from a tokenizer and a seed to a prompt generator over the builtin corpus. */
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import { readBuiltinCorpus } from "./corpus.ts";
import { corpusIds } from "./corpus-ids.ts";
import { createPromptGenerator, type PromptGenerator } from "./prompt.ts";
import { createRng, deriveSeed } from "../../core/rng.ts";

/**
 * Tokenizes the corpus (`corpusText`, default the builtin one) once and returns a generator
 * whose prompts depend only on `seed`, the tokenizer and the corpus.
 */
export async function loadPromptGenerator(tokenizer: Tokenizer, options: { seed: number; corpusText?: string }): Promise<PromptGenerator> {
  const text = options.corpusText ?? (await readBuiltinCorpus());
  const corpus = corpusIds(text, tokenizer);
  return createPromptGenerator(tokenizer, corpus, createRng(deriveSeed(options.seed, "prompts")));
}
