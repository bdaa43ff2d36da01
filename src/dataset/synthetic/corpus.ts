/**
 * The text synthetic prompts are cut from. Upstream ships Shakespeare; we ship public-domain
 * Melville (see ../assets/README.md), embedded in the compiled binary as a file asset.
 */
import corpusPath from "../assets/moby-dick.txt" with { type: "file" };
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";

/** The builtin corpus text (≈360 KB; a /$bunfs path inside the compiled binary). */
export function readBuiltinCorpus(): Promise<string> {
  return Bun.file(corpusPath).text();
}

/**
 * Token ids of the corpus: lines trimmed, blank lines dropped, the rest joined with single
 * spaces and encoded once without special tokens, as upstream does. Upstream splits the lines
 * into one chunk per CPU before encoding, which makes the ids depend on the machine; encoding
 * the whole text at once keeps a seed's prompts identical everywhere.
 */
export function tokenizeCorpus(text: string, tokenizer: Tokenizer): Uint32Array {
  const joined = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ");
  const ids = Uint32Array.from(tokenizer.encode(joined));
  if (ids.length === 0) throw new RangeError("Corpus must encode to at least one token");
  return ids;
}
