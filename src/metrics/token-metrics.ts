/**
 * Per-record and derived values of the token metrics in token-catalogue.ts (aiperf-features §5.5):
 * time_to_first_output_token (first content chunk with non-reasoning text − start),
 * e2e_output_token_throughput (OSL / request latency in s), the vendor usage fields, the
 * usage-vs-tokenizer differences (|usage − client| / client × 100) and usage_discrepancy_count
 * (any difference above USAGE_DIFF_THRESHOLD_PCT), the usage totals, input_token_throughput
 * (total ISL / duration) and total_token_throughput ((total ISL + total OSL) / duration).
 */
import type { RequestRecord } from "../records/record.ts";
import type { MetricContext } from "./context.ts";
import type { DerivedInputs, MetricValues } from "./spec.ts";
import { USAGE_EXTRA_TAGS, USAGE_TOTALS } from "./token-catalogue.ts";
import { nsToSec } from "./units.ts";

/** Upstream's AIPERF_METRICS_USAGE_PCT_DIFF_THRESHOLD default. */
export const USAGE_DIFF_THRESHOLD_PCT = 10;

/** Adds the record metrics; `values` already holds the v0.1.1 ones (OSL, ISL, latency, usage_*). */
export function addTokenMetrics(record: RequestRecord, ctx: MetricContext, values: MetricValues): void {
  const on = ctx.applicable;
  if (on.has("time_to_first_output_token") && record.firstOutputNs !== undefined && record.firstOutputNs >= record.startNs) {
    values.time_to_first_output_token = record.firstOutputNs - record.startNs;
  }
  const osl = values.output_sequence_length;
  const latency = values.request_latency;
  if (on.has("e2e_output_token_throughput") && typeof osl === "number" && typeof latency === "number" && latency > 0) {
    values.e2e_output_token_throughput = osl / nsToSec(latency);
  }
  const extras = record.usage?.extras;
  if (extras !== undefined) {
    for (const [tag, key] of Object.entries(USAGE_EXTRA_TAGS)) {
      const v = extras[key];
      if (v !== undefined && on.has(tag)) values[tag] = v;
    }
  }
  addUsageDiffs(values, ctx);
}

const DIFFS: [tag: string, usage: string, client: string][] = [
  ["usage_prompt_tokens_diff_pct", "usage_prompt_tokens", "input_sequence_length"],
  ["usage_completion_tokens_diff_pct", "usage_completion_tokens", "output_sequence_length"],
  ["usage_reasoning_tokens_diff_pct", "usage_reasoning_tokens", "reasoning_token_count"],
];

function addUsageDiffs(values: MetricValues, ctx: MetricContext): void {
  let compared = false;
  let discrepant = false;
  for (const [tag, usageTag, clientTag] of DIFFS) {
    const usage = values[usageTag];
    const client = values[clientTag];
    if (!ctx.applicable.has(tag) || typeof usage !== "number" || typeof client !== "number" || client === 0) continue;
    const pct = (Math.abs(usage - client) / client) * 100;
    values[tag] = pct;
    compared = true;
    if (pct > USAGE_DIFF_THRESHOLD_PCT) discrepant = true;
  }
  if (compared && ctx.applicable.has("usage_discrepancy_count")) values.usage_discrepancy_count = discrepant ? 1 : 0;
}

/** Adds the derived token metrics to `out` (which already holds benchmark_duration and the totals). */
export function deriveTokenMetrics(out: Map<string, number>, inputs: DerivedInputs, ctx: MetricContext): void {
  const on = ctx.applicable;
  for (const [total, of] of USAGE_TOTALS) {
    const sum = inputs.seriesSum(of);
    if (on.has(total) && sum !== undefined) out.set(total, sum);
  }
  const cacheRead = out.get("total_usage_prompt_cache_read_tokens");
  const prompt = out.get("total_usage_prompt_tokens");
  if (on.has("overall_usage_prompt_cache_read_pct") && cacheRead !== undefined && prompt) {
    out.set("overall_usage_prompt_cache_read_pct", (cacheRead / prompt) * 100);
  }
  const duration = out.get("benchmark_duration");
  if (duration === undefined) return;
  const isl = out.get("total_isl");
  const osl = out.get("total_osl");
  if (on.has("input_token_throughput") && isl !== undefined) out.set("input_token_throughput", isl / nsToSec(duration));
  if (on.has("total_token_throughput") && isl !== undefined && osl !== undefined) {
    out.set("total_token_throughput", (isl + osl) / nsToSec(duration));
  }
}
