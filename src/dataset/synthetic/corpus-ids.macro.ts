/**
 * A bundle-time macro (imported `with { type: "macro" }`): the builtin corpus tokenized with the
 * builtin tokenizer, once, when the binary is built, so no run has to (it took 120–250 ms of the
 * dataset service's start-up CPU). What it returns is inlined into the bundle as a literal:
 * the corpus text's hash (the ids are used only for that exact text) and the ids, base64 of
 * little-endian uint32s. Source runs (tests) execute it when the file is transpiled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBuiltinTokenizer } from "../../tokenizer/builtin.ts";
import { tokenizeCorpus } from "./corpus.ts";

export async function builtinCorpusIds(): Promise<{ textHash: string; idsBase64: string }> {
  const text = readFileSync(join(import.meta.dir, "..", "assets", "moby-dick.txt"), "utf8");
  const ids = tokenizeCorpus(text, await loadBuiltinTokenizer());
  return { textHash: Bun.hash(text).toString(16), idsBase64: Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength).toString("base64") };
}
