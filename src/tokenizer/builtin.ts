/**
 * The builtin tokenizer: OpenAI's o200k_base BPE (what upstream AIPerf's `--tokenizer builtin`
 * uses, via tiktoken), from the pure-JS `gpt-tokenizer` package. Its vocabulary is a JS module,
 * so `bun build --compile` bundles it into the binary and it works with no network and no files.
 */
import { countBounded, encodeBounded } from "./long-runs.ts";
import type { Tokenizer } from "./tokenizer.ts";

export const BUILTIN_TOKENIZER_NAME = "builtin";

/**
 * o200k_base has 199,998 mergeable ranks (ids 0..199997); every id above is a special token.
 * Decoding keeps only ordinary ids, which is `skip_special_tokens` and also means an id the
 * vocabulary lacks is dropped instead of throwing in the middle of a run.
 */
const ORDINARY_TOKEN_COUNT = 199_998;

/**
 * An empty disallow set makes text such as "<|endoftext|>" encode as ordinary text (tiktoken's
 * `encode_ordinary`): a model's reply may contain it, and counting must never throw.
 */
const ORDINARY_TEXT = { disallowedSpecial: new Set<string>() };

let loading: Promise<Tokenizer> | undefined;

/** The builtin tokenizer, loaded once per process (≈0.2–0.4 s of CPU: a 200k-entry vocabulary). */
export function loadBuiltinTokenizer(): Promise<Tokenizer> {
  loading ??= createBuiltin();
  return loading;
}

async function createBuiltin(): Promise<Tokenizer> {
  // Imported lazily: processes that never count tokens (timing, workers) skip the vocabulary.
  const [{ default: ranks }, { GptEncoding }] = await Promise.all([import("gpt-tokenizer/bpeRanks/o200k_base"), import("gpt-tokenizer/GptEncoding")]);
  const o200k = withCheapArrayKeys(ranks, () => GptEncoding.getEncodingApi("o200k_base", () => ranks));
  return {
    name: BUILTIN_TOKENIZER_NAME,
    encode: (text) => encodeBounded(text, (t) => o200k.encode(t, ORDINARY_TEXT)),
    decode: (ids) => o200k.decode(ids.every(isOrdinary) ? ids : ids.filter(isOrdinary)),
    count: (text) => countBounded(text, (t) => o200k.countTokens(t, ORDINARY_TEXT)),
  };
}

/**
 * gpt-tokenizer counts the vocabulary with `Object.keys(ranks).length`, which builds 200k index
 * strings only to count them: 240 ms of the tokenizer's ~0.6 s load in a profile (bun --cpu-prof),
 * paid by every process that counts tokens at the start of every run. For the one synchronous
 * call that builds the encoding, Object.keys of that array answers its length (the count it
 * means: the array has no holes, checked here); any other call is untouched.
 */
function withCheapArrayKeys<T>(ranks: readonly unknown[], build: () => T): T {
  const keys = Object.keys;
  let holes = false;
  for (let i = 0; i < ranks.length && !holes; i++) holes = ranks[i] === undefined;
  if (holes) return build();
  Object.keys = ((o: object) => (o === ranks ? { length: ranks.length } : keys(o))) as typeof Object.keys;
  try {
    return build();
  } finally {
    Object.keys = keys;
  }
}

function isOrdinary(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < ORDINARY_TOKEN_COUNT;
}
