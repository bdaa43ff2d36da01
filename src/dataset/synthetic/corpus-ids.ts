/**
 * Token ids of a corpus: for the builtin corpus and the builtin tokenizer, the ids computed when
 * the binary was built (corpus-ids.macro.ts); for anything else, encoded now (tokenizeCorpus).
 */
import { BUILTIN_TOKENIZER_NAME } from "../../tokenizer/builtin.ts";
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import { tokenizeCorpus } from "./corpus.ts";
import { builtinCorpusIds } from "./corpus-ids.macro.ts" with { type: "macro" };

// A macro's result is inlined after it settles: the literal object, not a promise, is what runs.
const EMBEDDED = builtinCorpusIds() as unknown as Awaited<ReturnType<typeof builtinCorpusIds>>;

/** The embedded ids when `text` is the corpus they were computed from; otherwise undefined. */
export function embeddedCorpusIds(text: string): Uint32Array | undefined {
  if (Bun.hash(text).toString(16) !== EMBEDDED.textHash) return undefined;
  const bytes = Buffer.from(EMBEDDED.idsBase64, "base64");
  // Copied out: the decoded buffer may sit at an offset that is not 4-byte aligned.
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function corpusIds(text: string, tokenizer: Tokenizer): Uint32Array {
  return (tokenizer.name === BUILTIN_TOKENIZER_NAME ? embeddedCorpusIds(text) : undefined) ?? tokenizeCorpus(text, tokenizer);
}
