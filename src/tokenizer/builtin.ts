/**
 * The builtin tokenizer: OpenAI's o200k_base BPE (what upstream AIPerf's `--tokenizer builtin`
 * uses, via tiktoken), run by our own encoder (o200k-bpe.ts) over typed-array tables. The
 * compiled binary carries the tables, built from gpt-tokenizer's vocabulary when the binary is
 * built (o200k.macro.ts), so loading takes milliseconds and needs no network and no files; a
 * source run (tests, the package) builds the same tables from gpt-tokenizer at load.
 */
import { isCompiled } from "../core/self.ts";
import { countBounded, encodeBounded } from "./long-runs.ts";
import { createO200kBpe } from "./o200k-bpe.ts";
import { createO200kDecode } from "./o200k-decode.ts";
import { buildO200kTables, type O200kTables, type RawRanks } from "./o200k-tables.ts";
import type { Tokenizer } from "./tokenizer.ts";

export const BUILTIN_TOKENIZER_NAME = "builtin";

let loading: Promise<Tokenizer> | undefined;

/**
 * The builtin tokenizer, loaded once per process: a few ms in the binary (decoding the embedded
 * tables), ~0.5 s from source (gpt-tokenizer's 200k-entry vocabulary module, then the tables).
 * Special-token text such as "<|endoftext|>" encodes as ordinary text (tiktoken's
 * `encode_ordinary`): a model's reply may contain it, and counting must never throw. Decoding
 * skips special and unknown ids.
 */
export function loadBuiltinTokenizer(): Promise<Tokenizer> {
  loading ??= createBuiltin();
  return loading;
}

async function createBuiltin(): Promise<Tokenizer> {
  const tables = await loadTables();
  const bpe = createO200kBpe(tables);
  const decode = createO200kDecode(tables);
  // The first count compiles the pre-tokenizer pattern and warms the code (~10 ms): here, while
  // the run is being set up, rather than on the first reply of the measured run.
  bpe.count("Warm-up: 1 tokenizer, ünïcode and 🐋 too.");
  const whole = (text: string): number[] => {
    const ids: number[] = [];
    bpe.encodeInto(text, ids);
    return ids;
  };
  return {
    name: BUILTIN_TOKENIZER_NAME,
    encode: (text) => encodeBounded(text, whole),
    decode,
    count: (text) => countBounded(text, bpe.count),
  };
}

/** Imported lazily: processes that never count tokens (timing, workers) load no vocabulary. */
async function loadTables(): Promise<O200kTables> {
  if (isCompiled()) return (await import("./o200k-embedded.ts")).embeddedO200kTables();
  return buildO200kTables(await sourceRanks());
}

/**
 * gpt-tokenizer's rank list, for source runs. The specifier is held in a variable so the bundler
 * leaves the 2.4 MB vocabulary module out of the binary, which never takes this path.
 */
async function sourceRanks(): Promise<RawRanks> {
  const vocabulary = "gpt-tokenizer/bpeRanks/o200k_base";
  return ((await import(vocabulary)) as { default: RawRanks }).default;
}
