/** Public edge of the tokenizer module. */
export type { Tokenizer } from "./tokenizer.ts";
export { BUILTIN_TOKENIZER_NAME, loadBuiltinTokenizer } from "./builtin.ts";
export { loadHfTokenizer } from "./hf-tokenizer.ts";
export { findCachedTokenizer, hfHubCacheDir, type HfCacheEnv } from "./hf-cache.ts";
export { resolveTokenizer, type ResolveTokenizerOptions } from "./resolve.ts";
