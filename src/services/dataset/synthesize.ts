/**
 * The dataset service's source of synthetic turns: prompt texts of sampled token counts, sampled
 * max_tokens, and session ids, all from one seed (drawn when --random-seed is absent).
 */
import { createLengthSampler, createRng, deriveSeed, loadPromptGenerator, randomSeed, samplePositiveNormalInteger } from "../../dataset/synthetic/index.ts";
import type { DatasetConfig } from "../../protocol/dataset-config.ts";
import type { Tokenizer } from "../../tokenizer/index.ts";

export type Synthesizer = {
  /** A prompt of a sampled ISL, with the token count it re-encodes to. */
  prompt(): { text: string; tokens: number };
  /** A sampled OSL, or null when --osl is not set. */
  maxTokens(): number | null;
  /** A UUID-shaped session id, reproducible under a seed. */
  sessionId(): string;
  /** Turns of the next conversation (≥ 1). */
  turns(): number;
  /** Delay in ms before a turn after the first (already × the ratio). */
  turnDelayMs(): number;
};

export async function createSynthesizer(tokenizer: Tokenizer, cfg: DatasetConfig): Promise<Synthesizer> {
  const seed = cfg.randomSeed ?? randomSeed();
  const prompts = await loadPromptGenerator(tokenizer, { seed });
  const isl = createLengthSampler(createRng(deriveSeed(seed, "isl")), { mean: cfg.isl, stddev: cfg.islStddev });
  return {
    prompt() {
      const tokens = isl();
      return { text: prompts.promptOfTokens(tokens), tokens };
    },
    maxTokens: createOslSampler(seed, cfg),
    sessionId: createSessionIds(seed),
    ...createTurnSampler(seed, cfg),
  };
}

/** Upstream's conversation shape: turns = ceil(normal ≥ 0), at least 1; delay = ceil(normal ≥ 0) × ratio. */
export function createTurnSampler(
  seed: number,
  cfg: Pick<DatasetConfig, "turnMean" | "turnStddev" | "turnDelayMean" | "turnDelayStddev" | "turnDelayRatio">,
): Pick<Synthesizer, "turns" | "turnDelayMs"> {
  const turnRng = createRng(deriveSeed(seed, "turns"));
  const delayRng = createRng(deriveSeed(seed, "turn-delays"));
  return {
    turns: () => Math.max(1, samplePositiveNormalInteger(turnRng, cfg.turnMean, cfg.turnStddev)),
    turnDelayMs: () => samplePositiveNormalInteger(delayRng, cfg.turnDelayMean, cfg.turnDelayStddev) * cfg.turnDelayRatio,
  };
}

/** Sampled max_tokens from --osl/--osl-stddev, or always null when --osl is not set. */
export function createOslSampler(seed: number, cfg: Pick<DatasetConfig, "osl" | "oslStddev">): () => number | null {
  const osl = cfg.osl === null ? null : createLengthSampler(createRng(deriveSeed(seed, "osl")), { mean: cfg.osl, stddev: cfg.oslStddev });
  // A sampled 0 means "no limit" for upstream too (max_tokens is only sent when truthy).
  return () => (osl === null ? null : Math.max(1, osl()));
}

/** UUID-shaped session ids, reproducible under a seed. */
export function createSessionIds(seed: number): () => string {
  const ids = createRng(deriveSeed(seed, "session-ids"));
  return () => {
    const hex = Array.from({ length: 32 }, () => ids.int(16).toString(16)).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  };
}
