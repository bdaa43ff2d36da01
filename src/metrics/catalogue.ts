/**
 * The v0.1.1 metric catalogue as data (reference/aiperf-features.md §5.2): tag, headers, units,
 * kind, flags and console order. Computation lives in record-metrics.ts and derived.ts; this file
 * only says what each metric is. Entries are listed in dependency order (a metric never comes
 * before one it reads), which is also the order per-record metrics appear in the JSONL export.
 */
import { MetricFlag as F } from "./flags.ts";
import { AUDIO_RECORD_SPECS, IMAGE_RECORD_SPECS, INTENDED_RECORD_SPECS } from "./catalogue-extras.ts";
import { TOKEN_AGGREGATE_SPECS, TOKEN_DERIVED_SPECS, TOKEN_RECORD_SPECS } from "./token-catalogue.ts";
import type { MetricDef, Spec } from "./spec.ts";

export type { MetricDef, MetricKind, Spec } from "./spec.ts";

const TOKENS = F.PRODUCES_TOKENS_ONLY | F.LARGER_IS_BETTER;
/** Input-token metrics: also for endpoints that take a prompt but reply with no tokens (image_generation). */
const INPUT = F.TOKENIZES_INPUT_ONLY | F.LARGER_IS_BETTER;
const STREAM = F.STREAMING_TOKENS_ONLY;
const USAGE = F.PRODUCES_TOKENS_ONLY | F.NO_CONSOLE;

// prettier-ignore
const SPECS: Spec[] = [
  // Record metrics, in dependency order.
  ["time_to_first_token", "Time to First Token", "TTFT", false, "ns", "ms", "record", "int", STREAM, 100],
  ["time_to_second_token", "Time to Second Token", "TTST", false, "ns", "ms", "record", "int", STREAM, 200],
  ["request_latency", "Request Latency", "Req Latency", false, "ns", "ms", "record", "int", F.NONE, 300],
  ["input_sequence_length", "Input Sequence Length", "ISL", false, "tokens", null, "record", "int", INPUT, 700],
  ["output_token_count", "Output Token Count", "Output Tokens", true, "tokens", null, "record", "int", TOKENS | F.NO_CONSOLE, null],
  [
    "reasoning_token_count",
    "Reasoning Token Count",
    "Reasoning Tokens",
    true,
    "tokens",
    null,
    "record",
    "int",
    TOKENS | F.SUPPORTS_REASONING | F.NO_CONSOLE,
    null,
  ],
  ["output_sequence_length", "Output Sequence Length", "OSL", false, "tokens", null, "record", "int", TOKENS, 600],
  ["inter_token_latency", "Inter Token Latency", "ITL", false, "ns", "ms", "record", "float", STREAM, 400],
  [
    "output_token_throughput_per_user",
    "Output Token Throughput Per User",
    "Output TPS/User",
    true,
    "tokens/sec/user",
    null,
    "record",
    "float",
    STREAM | F.LARGER_IS_BETTER,
    500,
  ],
  ["inter_chunk_latency", "Inter Chunk Latency", "ICL", false, "ns", "ms", "record", "int-list", STREAM | F.NO_CONSOLE, null],
  ["error_isl", "Error Input Sequence Length", "Error ISL", false, "tokens", null, "record", "int", INPUT | F.NO_CONSOLE | F.ERROR_ONLY, null],
  ["prefill_throughput", "Prefill Throughput", "Prefill TPS", true, "tokens/sec", null, "record", "float", STREAM | F.LARGER_IS_BETTER | F.EXPERIMENTAL, null],
  ["stream_setup_latency", "Stream Setup Latency", null, false, "ns", "ms", "record", "int", F.STREAMING_ONLY | F.EXPERIMENTAL, null],
  ["stream_prefill_latency", "Stream Prefill Latency", null, false, "ns", "ms", "record", "int", STREAM | F.EXPERIMENTAL, null],
  [
    "thinking_efficiency",
    "Thinking Efficiency",
    null,
    true,
    "ratio",
    null,
    "record",
    "float",
    F.PRODUCES_TOKENS_ONLY | F.SUPPORTS_REASONING | F.EXPERIMENTAL,
    null,
  ],
  // Our RequestRecord carries no credit-drop time, so this one is catalogued but never computed.
  ["credit_drop_latency", "Credit Drop Latency", "Credit Latency", false, "ns", "ms", "record", "int", F.INTERNAL, null],
  // Newer upstream's usage metrics (§5.5): the server's own counts, exported but not on the console.
  ["usage_prompt_tokens", "Usage Prompt Tokens", null, false, "tokens", null, "record", "int", USAGE, null],
  ["usage_completion_tokens", "Usage Completion Tokens", null, false, "tokens", null, "record", "int", USAGE, null],
  ["usage_total_tokens", "Usage Total Tokens", null, false, "tokens", null, "record", "int", USAGE, null],
  ["usage_reasoning_tokens", "Usage Reasoning Tokens", null, false, "tokens", null, "record", "int", USAGE | F.SUPPORTS_REASONING, null],
  // Newer upstream's token metrics and vendor usage fields (token-catalogue.ts).
  ...TOKEN_RECORD_SPECS,
  // Intended-time metrics, beyond upstream (intended-metrics.ts).
  ...INTENDED_RECORD_SPECS,
  // Image metrics of newer upstream (image-metrics.ts).
  ...IMAGE_RECORD_SPECS,
  // Audio metrics of newer upstream (audio-metrics.ts).
  ...AUDIO_RECORD_SPECS,
  // Aggregates.
  ["request_count", "Request Count", "Requests", true, "requests", null, "aggregate", "int", F.LARGER_IS_BETTER | F.NO_INDIVIDUAL_RECORDS, 1100],
  ["error_request_count", "Error Request Count", "Error Count", true, "requests", null, "aggregate", "int", F.ERROR_ONLY | F.NO_INDIVIDUAL_RECORDS, null],
  ["good_request_count", "GoodRequestCount", null, true, "requests", null, "aggregate", "int", F.GOODPUT | F.NO_CONSOLE, null],
  ["min_request_timestamp", "Minimum Request Timestamp", "Min Req", true, "ns", null, "aggregate", "int", F.NO_CONSOLE | F.NO_INDIVIDUAL_RECORDS, null],
  ["max_response_timestamp", "Maximum Response Timestamp", "Max Resp", true, "ns", null, "aggregate", "int", F.NO_CONSOLE | F.NO_INDIVIDUAL_RECORDS, null],
  ...TOKEN_AGGREGATE_SPECS,
  // Derived, in dependency order.
  ["benchmark_duration", "Benchmark Duration", "Duration", true, "ns", "sec", "derived", "int", F.NO_CONSOLE, null],
  ["total_output_tokens", "Total Output Tokens", "Total Output", true, "tokens", null, "derived", "int", TOKENS | F.NO_CONSOLE, null],
  ["total_reasoning_tokens", "Total Reasoning Tokens", "Total Reasoning", true, "tokens", null, "derived", "int", TOKENS | F.NO_CONSOLE, null],
  ["total_osl", "Total Output Sequence Length", "Total OSL", true, "tokens", null, "derived", "int", TOKENS | F.NO_CONSOLE, null],
  ["total_isl", "Total Input Sequence Length", "Total ISL", true, "tokens", null, "derived", "int", INPUT | F.NO_CONSOLE, null],
  [
    "total_error_isl",
    "Total Error Input Sequence Length",
    "Total Error ISL",
    true,
    "tokens",
    null,
    "derived",
    "int",
    INPUT | F.NO_CONSOLE | F.ERROR_ONLY,
    null,
  ],
  ["output_token_throughput", "Output Token Throughput", "Output TPS", true, "tokens/sec", null, "derived", "float", TOKENS, 800],
  ["request_throughput", "Request Throughput", "Req/sec", true, "requests/sec", null, "derived", "float", F.LARGER_IS_BETTER, 900],
  ["goodput", "Goodput", "Goodput", true, "requests/sec", null, "derived", "float", F.GOODPUT, 1000],
  [
    "overall_thinking_efficiency",
    "Overall Thinking Efficiency",
    "Overall Eff.",
    true,
    "ratio",
    null,
    "derived",
    "float",
    F.PRODUCES_TOKENS_ONLY | F.SUPPORTS_REASONING | F.EXPERIMENTAL,
    null,
  ],
  ...TOKEN_DERIVED_SPECS,
];

const DEFS: MetricDef[] = [];
const BY_TAG = new Map<string, MetricDef>();

/** Every metric: the built-in rows, then those plugins added (plugin-metrics.ts), in that order. */
export const METRICS: readonly MetricDef[] = DEFS;

/** Adds one metric to the catalogue; built-in rows and plugin metrics both come through here. */
export function addMetricDef(def: MetricDef): void {
  if (BY_TAG.has(def.tag)) throw new Error(`metric "${def.tag}" is already in the catalogue`);
  DEFS.push(def);
  BY_TAG.set(def.tag, def);
}

for (const [tag, header, shortHeader, shortHeaderHideUnit, unit, displayUnit, kind, valueType, flags, displayOrder] of SPECS) {
  addMetricDef({ tag, header, shortHeader, shortHeaderHideUnit, unit, displayUnit: displayUnit ?? unit, kind, valueType, flags, displayOrder });
}

/** The definition of `tag`, or undefined for a tag upstream v0.1.1 does not know. */
export function findMetric(tag: string): MetricDef | undefined {
  return BY_TAG.get(tag);
}

/** The definition of `tag`; throws for an unknown tag (a programming error, not user input). */
export function metricDef(tag: string): MetricDef {
  const def = BY_TAG.get(tag);
  if (!def) throw new Error(`unknown metric tag "${tag}"`);
  return def;
}

/**
 * What the run is: decides which metrics apply (§5.1 applicability). `tokenizesInput` (newer
 * upstream's endpoint capability) defaults to `producesTokens`.
 */
export type RunShape = { streaming: boolean; producesTokens: boolean; goodput: boolean; tokenizesInput?: boolean };

/** Flags a metric must not carry in this run. */
function disallowedFlags(shape: RunShape): number {
  let flags = 0;
  if (!shape.producesTokens) flags |= F.PRODUCES_TOKENS_ONLY;
  if (!(shape.tokenizesInput ?? shape.producesTokens)) flags |= F.TOKENIZES_INPUT_ONLY;
  if (!shape.streaming) flags |= F.STREAMING_ONLY;
  if (!shape.goodput) flags |= F.GOODPUT;
  // Audio/image-only metrics do not exist in v0.1.1; nothing else to drop.
  return flags;
}

/** True when `def` is computed at all in a run of this shape. */
export function isApplicable(def: MetricDef, shape: RunShape): boolean {
  return (def.flags & disallowedFlags(shape)) === 0;
}
