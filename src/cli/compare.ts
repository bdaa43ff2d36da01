/**
 * `aiperf compare BASE_DIR NEW_DIR` (beyond upstream): per metric, did the new run get better or
 * worse than the base, with what confidence? Exit 1 when a compared metric regressed beyond
 * --threshold with significance, so it can gate CI; 0 otherwise; 2 for bad input.
 */
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { compareRuns, formatCompare, loadRunSamples } from "../compare/index.ts";
import { invalidValue } from "../config/conflict.ts";
import { EXIT_CODES } from "../core/errors.ts";
import type { Statistic } from "../metrics/significance.ts";
import { readCommandFlags } from "./flags.ts";
import { splitPositionals } from "./positionals.ts";

const ARGS = {
  metric: {
    type: "string",
    description:
      "Metric(s) to compare and gate on, by their export tag (comma list or repeated; default: time_to_first_token, inter_token_latency, request_latency, output_token_throughput_per_user, those both runs have)",
  },
  statistic: { type: "string", default: "p50", valueHint: "p50|p90|p95|p99|avg", description: "The statistic whose change is measured and bootstrapped" },
  threshold: { type: "string", default: "5", description: "Percent change a regression must exceed to fail the comparison" },
  confidence: { type: "string", default: "0.95", description: "Confidence level of both tests (p below 1 − confidence, CI excluding zero)" },
  iterations: { type: "string", default: "2000", description: "Bootstrap resamples" },
  seed: { type: "string", default: "1", description: "Seed of the bootstrap resampling (same inputs and seed, same intervals)" },
  format: { type: "string", default: "text", valueHint: "text|json", description: "text: a table; json: the full result, for scripts" },
} satisfies ArgsDef;

const Schema = v.object({
  metric: v.optional(v.string()),
  statistic: v.string(),
  threshold: v.pipe(v.number(), v.minValue(0)),
  confidence: v.pipe(v.number(), v.minValue(0.5), v.maxValue(0.9999)),
  iterations: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(1_000_000)),
  seed: v.pipe(v.number(), v.integer()),
  format: v.picklist(["text", "json"]),
});

export const compareCommand = defineCommand({
  meta: { name: "compare", description: "A/B compare two runs (or sets of runs) per metric, with significance; exit 1 on a regression (a CI gate)" },
  args: ARGS,
  run({ rawArgs }) {
    const { positionals, flags } = splitPositionals("compare", ARGS, rawArgs, ["BASE_DIR", "NEW_DIR"]);
    // --metric may be repeated: the values are joined, not the last one kept.
    const metrics: string[] = [];
    const rest: string[] = [];
    for (let i = 0; i < flags.length; i++) {
      const f = flags[i] as string;
      if (f === "--metric" && i + 1 < flags.length) metrics.push(flags[++i] as string);
      else if (f.startsWith("--metric=")) metrics.push(f.slice("--metric=".length));
      else rest.push(f);
    }
    if (metrics.length > 0) rest.push("--metric", metrics.join(","));
    const opts = readCommandFlags("compare", ARGS, Schema, rest);
    if (!/^(avg|p(100|[1-9]?\d(\.\d+)?))$/.test(opts.statistic))
      throw invalidValue("--statistic", opts.statistic, "expected avg or a percentile from p0 to p100 (p50, p99, p99.9)");
    const base = loadRunSamples(positionals[0] as string);
    const next = loadRunSamples(positionals[1] as string);
    const result = compareRuns(base, next, {
      metrics: (opts.metric ?? "")
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m !== ""),
      statistic: opts.statistic as Statistic,
      threshold: opts.threshold,
      confidence: opts.confidence,
      iterations: opts.iterations,
      seed: opts.seed,
    });
    process.stdout.write(opts.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatCompare(result));
    if (result.regressed.length > 0) process.exitCode = EXIT_CODES.FAILED;
  },
});
