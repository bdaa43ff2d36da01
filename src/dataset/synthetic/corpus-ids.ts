/**
 * Token ids of a corpus: in the compiled binary, for the builtin corpus and the builtin tokenizer,
 * the ids computed when it was built (corpus-ids-embedded.ts); otherwise encoded now
 * (tokenizeCorpus), which is also what a source run (tests, the package under bun test) does.
 */
import { isCompiled } from "../../core/self.ts";
import { BUILTIN_TOKENIZER_NAME } from "../../tokenizer/builtin.ts";
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import { tokenizeCorpus } from "./corpus.ts";

const embedded = isCompiled() ? await import("./corpus-ids-embedded.ts") : undefined;

export function corpusIds(text: string, tokenizer: Tokenizer): Uint32Array {
  return (tokenizer.name === BUILTIN_TOKENIZER_NAME ? embedded?.embeddedCorpusIds(text) : undefined) ?? tokenizeCorpus(text, tokenizer);
}
