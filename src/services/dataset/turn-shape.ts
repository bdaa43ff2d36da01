/**
 * Newer upstream's shaping of synthetic turns (issue 18): how many texts a turn carries
 * (-b/--prompt-batch-size for embeddings; a query plus --rankings-passages-* passages for
 * rankings, each with its own token length), and the --cache-bust marker of each conversation.
 */
import { createLengthSampler, createRng, deriveSeed } from "../../dataset/synthetic/index.ts";
import { endpointCategory } from "../../endpoints/capabilities.ts";
import type { DatasetConfig } from "../../protocol/dataset-config.ts";

/** Token lengths of the texts of the next turn; null = one prompt of the --isl distribution per text, `count` of them. */
type TextPlan = { count: number; lengths: (() => number[]) | null };

export function createTextPlan(cfg: DatasetConfig, seed: number): TextPlan {
  const category = endpointCategory(cfg.endpointType);
  const u = cfg.upstream;
  if (category === "embeddings") return { count: Math.max(1, u.promptBatchSize), lengths: null };
  if (category !== "rankings") return { count: 1, lengths: null };
  const r = u.rankings;
  const passages = createLengthSampler(createRng(deriveSeed(seed, "rankings-passages")), { mean: r.passagesMean, stddev: r.passagesStddev });
  const passageTokens = createLengthSampler(createRng(deriveSeed(seed, "rankings-passage-tokens")), {
    mean: r.passageTokensMean,
    stddev: r.passageTokensStddev,
  });
  const queryTokens = createLengthSampler(createRng(deriveSeed(seed, "rankings-query-tokens")), { mean: r.queryTokensMean, stddev: r.queryTokensStddev });
  return {
    count: 1 + r.passagesMean,
    lengths: () => [Math.max(1, queryTokens()), ...Array.from({ length: Math.max(1, passages()) }, () => Math.max(1, passageTokens()))],
  };
}

/**
 * A marker unique to a conversation and a run, as upstream writes it: `[rid:<12 hex digits>]`.
 * Drawn from the system's randomness, not the seed: a rerun with the same seed must not hit the
 * prefix cache the previous run filled.
 */
export function cacheBustMarker(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `[rid:${Buffer.from(bytes).toString("hex")}]`;
}

/** `text` with the marker before (prefix) or after (suffix) it. */
export function withMarker(text: string, marker: string, target: DatasetConfig["upstream"]["cacheBust"]): string {
  return target.endsWith("_prefix") ? `${marker} ${text}` : `${text} ${marker}`;
}
