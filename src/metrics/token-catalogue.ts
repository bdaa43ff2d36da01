/**
 * Catalogue rows for newer upstream's token metrics (aiperf-features §5.5): time to first output
 * token, end-to-end output throughput, the vendor usage fields and their totals, the usage-vs-
 * tokenizer differences, and the input/total token throughputs. Computed in token-metrics.ts.
 * All are NO_CONSOLE, so the console table stays v0.1.1's; the files carry them.
 */
import type { Spec } from "./spec.ts";
import { MetricFlag as F } from "./flags.ts";

const USAGE = F.PRODUCES_TOKENS_ONLY | F.NO_CONSOLE;
const TOKENS = F.PRODUCES_TOKENS_ONLY | F.LARGER_IS_BETTER | F.NO_CONSOLE;

/** usage_* field tag → the UsageExtras key it reads (src/records/usage-fields.ts). */
export const USAGE_EXTRA_TAGS = {
  usage_prompt_cache_read_tokens: "promptCacheReadTokens",
  usage_prompt_cache_write_tokens: "promptCacheWriteTokens",
  usage_prompt_cache_miss_tokens: "promptCacheMissTokens",
  usage_prompt_audio_tokens: "promptAudioTokens",
  usage_completion_audio_tokens: "completionAudioTokens",
  usage_prompt_audio_seconds: "promptAudioSeconds",
  usage_tool_use_prompt_tokens: "toolUsePromptTokens",
  usage_accepted_prediction_tokens: "acceptedPredictionTokens",
  usage_rejected_prediction_tokens: "rejectedPredictionTokens",
} as const;

/** total_usage_* → the record metric it sums. */
export const USAGE_TOTALS: [total: string, of: string][] = [
  ["total_usage_prompt_tokens", "usage_prompt_tokens"],
  ["total_usage_completion_tokens", "usage_completion_tokens"],
  ["total_usage_total_tokens", "usage_total_tokens"],
  ["total_usage_reasoning_tokens", "usage_reasoning_tokens"],
  ["total_usage_prompt_cache_read_tokens", "usage_prompt_cache_read_tokens"],
];

const header = (tag: string): string =>
  tag
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");

// prettier-ignore
export const TOKEN_RECORD_SPECS: Spec[] = [
  [
    "time_to_first_output_token",
    "Time to First Output Token",
    "TTFO",
    false,
    "ns",
    "ms",
    "record",
    "int",
    F.STREAMING_TOKENS_ONLY | F.SUPPORTS_REASONING | F.NO_CONSOLE,
    null,
  ],
  ["e2e_output_token_throughput", "E2E Output Token Throughput", "E2E Output TPS/User", true, "tokens/sec/user", null, "record", "float", TOKENS, null],
  ...Object.keys(USAGE_EXTRA_TAGS).map(
    (tag): Spec => [
      tag,
      header(tag),
      null,
      false,
      tag.endsWith("_seconds") ? "sec" : "tokens",
      null,
      "record",
      tag.endsWith("_seconds") ? "float" : "int",
      USAGE,
      null,
    ],
  ),
  ["usage_prompt_tokens_diff_pct", "Usage Prompt Diff", "Prompt Diff", true, "percent", null, "record", "float", USAGE, null],
  ["usage_completion_tokens_diff_pct", "Usage Completion Diff", "Completion Diff", true, "percent", null, "record", "float", USAGE, null],
  ["usage_reasoning_tokens_diff_pct", "Usage Reasoning Diff", "Reasoning Diff", true, "percent", null, "record", "float", USAGE | F.SUPPORTS_REASONING, null],
];

// prettier-ignore
export const TOKEN_AGGREGATE_SPECS: Spec[] = [
  ["usage_discrepancy_count", "Usage Discrepancy Count", "Discrepancies", true, "requests", null, "aggregate", "int", USAGE | F.NO_INDIVIDUAL_RECORDS, null],
];

// prettier-ignore
export const TOKEN_DERIVED_SPECS: Spec[] = [
  ...USAGE_TOTALS.map(([tag]): Spec => [tag, header(tag), null, true, "tokens", null, "derived", "int", USAGE, null]),
  ["overall_usage_prompt_cache_read_pct", "Overall Usage Prompt Cache Read", "Cache Read %", true, "percent", null, "derived", "float", USAGE, null],
  ["input_token_throughput", "Input Token Throughput", "Input TPS", true, "tokens/sec", null, "derived", "float", TOKENS, null],
  ["total_token_throughput", "Total Token Throughput", "Total TPS", true, "tokens/sec", null, "derived", "float", TOKENS, null],
];
