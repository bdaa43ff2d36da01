/**
 * Picks the tokenizer for a run from `--tokenizer` and the model name, like upstream AIPerf but
 * strictly offline: a local path, else the local Hugging Face cache, else the builtin one.
 */
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { BenchError } from "../core/errors.ts";
import { BUILTIN_TOKENIZER_NAME, loadBuiltinTokenizer } from "./builtin.ts";
import { findCachedTokenizer, type HfCacheEnv, hfHubCacheDir } from "./hf-cache.ts";
import { loadHfTokenizer, TOKENIZER_FILE } from "./hf-tokenizer.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** What besides `--tokenizer` decides the tokenizer. */
export interface ResolveTokenizerOptions {
  /** The (first) model name; its tokenizer is used when `--tokenizer` is not given. */
  model?: string | undefined;
  /** `--tokenizer-revision`: a branch, tag or commit in the HF cache (default `main`). */
  revision?: string | undefined;
  /** Where HF_HOME, HF_HUB_CACHE and HOME are read; defaults to the process environment. */
  env?: HfCacheEnv | undefined;
  /** Told why the builtin tokenizer stands in for the model's own (the caller logs it). */
  onFallback?: ((message: string) => void) | undefined;
}

/**
 * The tokenizer named by `nameOrPath` (`--tokenizer`), or else the model's.
 * - `builtin`: the embedded o200k_base tokenizer.
 * - a path (file or directory): loaded; a missing path or a non-tokenizer is CONFIG_INVALID.
 * - an HF id such as `org/name`: loaded from the local HF cache; not cached is CONFIG_INVALID,
 *   since nothing is ever downloaded and silently counting with another vocabulary would skew ISL.
 * - nothing: the model's tokenizer by the same rules, falling back to builtin when the model has
 *   none locally (placeholder names such as `mock-model` included).
 */
export async function resolveTokenizer(nameOrPath: string | undefined, options: ResolveTokenizerOptions = {}): Promise<Tokenizer> {
  const env = options.env ?? process.env;
  const explicit = nameOrPath?.trim();
  if (explicit === BUILTIN_TOKENIZER_NAME) return loadBuiltinTokenizer();
  if (explicit !== undefined && explicit !== "") {
    const path = expandHome(explicit, env);
    // Anything on disk under that name is what the user meant; loading it explains what is wrong.
    if ((await stat(path).catch(() => undefined)) !== undefined) return loadHfTokenizer(path);
    const cached = await findCachedTokenizer(explicit, { env, revision: options.revision });
    if (cached !== undefined) return loadHfTokenizer(cached, explicit);
    if (looksLikePath(explicit)) return loadHfTokenizer(path); // throws: no such file or directory
    throw new BenchError(
      "CONFIG_INVALID",
      `Cannot load tokenizer "${explicit}": it is not a local path and not in the Hugging Face cache "${hfHubCacheDir(env)}"`,
      { hint: "downloads are off: copy the model's tokenizer.json here and pass its path, or use --tokenizer builtin" },
    );
  }
  const model = options.model?.trim();
  if (model === undefined || model === "") return loadBuiltinTokenizer();
  const found = await findLocal(model, env, options.revision);
  if (found !== undefined) return loadHfTokenizer(found.path, found.name);
  options.onFallback?.(
    `No local tokenizer for model "${model}" (not a directory with ${TOKENIZER_FILE}, not in "${hfHubCacheDir(env)}"): using the builtin o200k_base tokenizer`,
  );
  return loadBuiltinTokenizer();
}

/** A local tokenizer for `name`: an existing path first (as transformers does), then the cache. */
async function findLocal(name: string, env: HfCacheEnv, revision: string | undefined): Promise<{ path: string; name?: string } | undefined> {
  const path = expandHome(name, env);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile() === true) return { path };
  if (info?.isDirectory() === true && (await Bun.file(join(path, TOKENIZER_FILE)).exists())) return { path };
  const cached = await findCachedTokenizer(name, { env, revision });
  return cached === undefined ? undefined : { path: cached, name };
}

function looksLikePath(name: string): boolean {
  return /^(\/|\.{1,2}(\/|$)|~(\/|$))/.test(name) || name.includes("\\") || name.endsWith(".json");
}

function expandHome(name: string, env: HfCacheEnv): string {
  if (name !== "~" && !name.startsWith("~/")) return name;
  return join(env.HOME ?? homedir(), name.slice(1));
}
