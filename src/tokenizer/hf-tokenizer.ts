/**
 * A Hugging Face `tokenizer.json` read from local disk, run by `@huggingface/tokenizers` (pure JS,
 * no native code, no network). Nothing here downloads: callers pass a path they resolved.
 */
import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { BenchError } from "../core/errors.ts";
import { encodeBounded } from "./long-runs.ts";
import type { Tokenizer } from "./tokenizer.ts";

export const TOKENIZER_FILE = "tokenizer.json";
const CONFIG_FILE = "tokenizer_config.json";

/**
 * Loads `path`: a `tokenizer.json` file, or a directory holding one (plus an optional
 * `tokenizer_config.json`, which carries e.g. `clean_up_tokenization_spaces`). `name` defaults
 * to the resolved path. Throws CONFIG_INVALID when the path is missing or is not a tokenizer.
 */
export async function loadHfTokenizer(path: string, name?: string): Promise<Tokenizer> {
  const file = await tokenizerFileOf(path);
  const json = await readJson(file, path);
  if (!isTokenizerJson(json)) {
    throw invalid(path, `"${file}" is not a Hugging Face tokenizer.json (it has no "model" object)`);
  }
  const configFile = join(dirname(file), CONFIG_FILE);
  const config = (await Bun.file(configFile).exists()) ? await readJson(configFile, path) : {};
  // Imported here: a run on the builtin tokenizer never loads the library (a few ms per process).
  const { Tokenizer } = await import("@huggingface/tokenizers");
  let hf: HfTokenizer;
  try {
    hf = new Tokenizer(json, isRecord(config) ? config : {});
    // Some components fail only on first use (an unsupported regex, say): fail here, not mid-run.
    hf.encode("probe", { add_special_tokens: false });
  } catch (cause) {
    throw invalid(path, `the tokenizer in "${file}" cannot be used: ${describe(cause)}`, cause);
  }
  return wrap(hf, name ?? file);
}

function wrap(hf: HfTokenizer, name: string): Tokenizer {
  const whole = (text: string): number[] => hf.encode(text, { add_special_tokens: false }).ids;
  const encode = (text: string): number[] => encodeBounded(text, whole);
  return {
    name,
    encode,
    // The library rejects an empty id list; an empty decode is simply "".
    decode: (ids) => (ids.length === 0 ? "" : hf.decode([...ids], { skip_special_tokens: true })),
    count: (text) => encode(text).length,
  };
}

/** The `tokenizer.json` that `path` names, or CONFIG_INVALID saying why there is none. */
async function tokenizerFileOf(path: string): Promise<string> {
  const full = resolve(path);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) throw invalid(path, "no such file or directory");
  if (!info.isDirectory()) return full;
  const file = join(full, TOKENIZER_FILE);
  if (!(await Bun.file(file).exists())) throw invalid(path, `the directory has no ${TOKENIZER_FILE}`);
  return file;
}

async function readJson(file: string, path: string): Promise<unknown> {
  try {
    return JSON.parse(await Bun.file(file).text()) as unknown;
  } catch (cause) {
    throw invalid(path, `"${file}" is not valid JSON: ${describe(cause)}`, cause);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTokenizerJson(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && isRecord(value.model);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function invalid(path: string, detail: string, cause?: unknown): BenchError {
  return new BenchError("CONFIG_INVALID", `Cannot load tokenizer "${path}": ${detail}`, {
    hint: "pass --tokenizer a tokenizer.json file, a directory containing one, or builtin",
    cause,
  });
}
