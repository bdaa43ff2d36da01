/**
 * Derived metrics (reference/aiperf-features.md §5.2): computed at summary time from the
 * aggregates and the record series, in base units. A derived metric whose inputs are missing is
 * absent, as in upstream.
 */
import type { MetricContext } from "./context.ts";
import type { DerivedInputs } from "./spec.ts";
import { addPluginDerivedMetrics } from "./plugin-metrics.ts";
import { deriveTokenMetrics } from "./token-metrics.ts";

export type { DerivedInputs } from "./spec.ts";
import { nsToSec } from "./units.ts";

const SUMS: [total: string, of: string][] = [
  ["total_output_tokens", "output_token_count"],
  ["total_reasoning_tokens", "reasoning_token_count"],
  ["total_osl", "output_sequence_length"],
  ["total_isl", "input_sequence_length"],
  ["total_error_isl", "error_isl"],
];

/** Derived values in dependency order (tag → base-unit value). */
export function deriveMetrics(inputs: DerivedInputs, ctx: MetricContext): Map<string, number> {
  const on = ctx.applicable;
  const out = new Map<string, number>();
  const minReq = inputs.aggregate("min_request_timestamp");
  const maxResp = inputs.aggregate("max_response_timestamp");
  const durationNs = inputs.benchmarkDurationNs?.() ?? (minReq !== undefined && maxResp !== undefined ? maxResp - minReq : undefined);
  // Upstream raises when min ≥ max: no duration, and so no throughputs.
  if (on.has("benchmark_duration") && durationNs !== undefined && durationNs > 0) {
    out.set("benchmark_duration", durationNs);
  }
  for (const [total, of] of SUMS) {
    const sum = inputs.seriesSum(of);
    if (on.has(total) && sum !== undefined) out.set(total, sum);
  }
  const duration = out.get("benchmark_duration");
  const perSecond = (tag: string, count: number | undefined): void => {
    if (on.has(tag) && count !== undefined && duration !== undefined) out.set(tag, count / nsToSec(duration));
  };
  // Upstream treats a total of 0 as missing (`if not value`) and drops the throughput; a run
  // whose responses held no tokens has an output throughput of 0, so we report 0.
  perSecond("output_token_throughput", out.get("total_osl"));
  perSecond("request_throughput", inputs.aggregate("request_count"));
  perSecond("goodput", inputs.aggregate("good_request_count"));
  const totalReasoning = out.get("total_reasoning_tokens");
  const totalOutput = out.get("total_output_tokens");
  if (on.has("overall_thinking_efficiency") && totalReasoning !== undefined && totalOutput) {
    out.set("overall_thinking_efficiency", totalReasoning / totalOutput);
  }
  deriveTokenMetrics(out, inputs, ctx);
  addPluginDerivedMetrics(out, inputs, ctx);
  return out;
}
