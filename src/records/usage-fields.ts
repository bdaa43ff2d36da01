/**
 * Vendor synonyms of the server's `usage` counts beyond prompt/completion/total/reasoning
 * (aiperf-features §2.2 "usage handling", §5.5 usage metrics). Each field lists the places a
 * vendor puts it; the first one present wins. Gemini's native `usageMetadata` (camelCase) is read
 * too, so a caller may pass either object.
 */

/** The optional usage counts, each set only when the server reported it. */
export type UsageExtras = {
  promptCacheReadTokens?: number;
  promptCacheWriteTokens?: number;
  promptCacheMissTokens?: number;
  promptAudioTokens?: number;
  completionAudioTokens?: number;
  promptAudioSeconds?: number;
  toolUsePromptTokens?: number;
  acceptedPredictionTokens?: number;
  rejectedPredictionTokens?: number;
};

type UsageExtraKey = keyof UsageExtras;

/** field → paths into the usage object (dot-separated), in order of preference. */
const USAGE_SYNONYMS: Readonly<Record<UsageExtraKey, readonly string[]>> = {
  // OpenAI, Responses, Anthropic, DeepSeek, Gemini.
  promptCacheReadTokens: [
    "prompt_tokens_details.cached_tokens",
    "input_tokens_details.cached_tokens",
    "cache_read_input_tokens",
    "prompt_cache_hit_tokens",
    "cachedContentTokenCount",
  ],
  // Anthropic.
  promptCacheWriteTokens: ["cache_creation_input_tokens"],
  // DeepSeek.
  promptCacheMissTokens: ["prompt_cache_miss_tokens"],
  promptAudioTokens: ["prompt_tokens_details.audio_tokens", "input_tokens_details.audio_tokens"],
  completionAudioTokens: ["completion_tokens_details.audio_tokens", "output_tokens_details.audio_tokens"],
  // Mistral (Voxtral).
  promptAudioSeconds: ["prompt_audio_seconds"],
  // Gemini.
  toolUsePromptTokens: ["toolUsePromptTokenCount", "tool_use_prompt_token_count"],
  // OpenAI predicted outputs.
  acceptedPredictionTokens: ["completion_tokens_details.accepted_prediction_tokens"],
  rejectedPredictionTokens: ["completion_tokens_details.rejected_prediction_tokens"],
};

/** The core counts' camelCase names in Gemini's `usageMetadata`. */
export const GEMINI_CORE = {
  prompt: "promptTokenCount",
  completion: "candidatesTokenCount",
  total: "totalTokenCount",
  reasoning: "thoughtsTokenCount",
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The finite number at `path` (dot-separated) in `u`, or undefined. */
export function usageNumber(u: Record<string, unknown>, path: string): number | undefined {
  return numberAt(u, path.split("."));
}

function numberAt(u: Record<string, unknown>, keys: readonly string[]): number | undefined {
  let cur: unknown = u;
  for (const key of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return typeof cur === "number" && Number.isFinite(cur) ? cur : undefined;
}

/** USAGE_SYNONYMS with each path cut once (it was cut for every usage object read). */
const SYNONYM_KEYS: readonly (readonly [UsageExtraKey, readonly (readonly string[])[]])[] = (Object.keys(USAGE_SYNONYMS) as UsageExtraKey[]).map((key) => [
  key,
  USAGE_SYNONYMS[key].map((path) => path.split(".")),
]);

/** The extra counts `u` reports (an empty object when none). */
export function readUsageExtras(u: Record<string, unknown>): UsageExtras {
  const out: UsageExtras = {};
  for (const [key, paths] of SYNONYM_KEYS) {
    for (const keys of paths) {
      const v = numberAt(u, keys);
      if (v !== undefined) {
        out[key] = v;
        break;
      }
    }
  }
  return out;
}

/** `later` over `earlier`, field by field (a stream may report usage more than once). */
export function mergeUsageExtras(earlier: UsageExtras | undefined, later: UsageExtras | undefined): UsageExtras | undefined {
  if (earlier === undefined) return later;
  if (later === undefined) return earlier;
  return { ...earlier, ...later };
}
