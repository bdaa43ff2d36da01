/** The corpus ids computed when the binary is built are exactly what encoding the corpus now gives. */
import { expect, test } from "bun:test";
import { corpusIds } from "../../src/dataset/synthetic/corpus-ids.ts";
import { embeddedCorpusIds } from "../../src/dataset/synthetic/corpus-ids-embedded.ts";
import { readBuiltinCorpus, tokenizeCorpus } from "../../src/dataset/synthetic/corpus.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/builtin.ts";
import type { Tokenizer } from "../../src/tokenizer/tokenizer.ts";

test("the embedded ids of the builtin corpus equal the builtin tokenizer's encoding of it", async () => {
  const text = await readBuiltinCorpus();
  const embedded = embeddedCorpusIds(text);
  expect(embedded).toBeDefined();
  expect(Array.from(embedded as Uint32Array)).toEqual(Array.from(tokenizeCorpus(text, await loadBuiltinTokenizer())));
});

test("another text, or another tokenizer, is encoded now", async () => {
  const text = await readBuiltinCorpus();
  expect(embeddedCorpusIds(`${text} `)).toBeUndefined();
  const calls: string[] = [];
  // A stand-in tokenizer: one id per character code, so the ids show which path made them.
  const other: Tokenizer = {
    name: "other",
    encode: (t) => (calls.push(t), Array.from(t.slice(0, 5), (c) => c.charCodeAt(0))),
    decode: () => "",
    count: () => 0,
  };
  expect(Array.from(corpusIds("Call me", other))).toEqual([67, 97, 108, 108, 32]);
  expect(calls).toEqual(["Call me"]);
  const builtin = await loadBuiltinTokenizer();
  expect(Array.from(corpusIds("Call me Ishmael.", builtin))).toEqual(Array.from(tokenizeCorpus("Call me Ishmael.", builtin)));
});
