/**
 * What the synthetic-extras flags add to synthetic turns (§3.3, §1.5): images, audio clips,
 * --seq-dist ISL/OSL pairs, the prefix prompt pool, the shared system prompt, per-session user
 * context prompts and the model of each turn. Every source draws from its own seeded stream, so
 * turning one on does not change what the others produce.
 */
import { createAudioSource } from "../../dataset/synthetic/audio.ts";
import { createImageSource } from "../../dataset/synthetic/image.ts";
import { createPromptGenerator, createRng, deriveSeed } from "../../dataset/synthetic/index.ts";
import { createSequenceSampler } from "../../dataset/synthetic/seq-dist.ts";
import type { DatasetConfig } from "../../protocol/dataset-config.ts";
import type { Tokenizer } from "../../tokenizer/index.ts";

/** A prompt and the tokens it re-encodes to. */
export type Prompt = { text: string; tokens: number };

type Extras = {
  /** Whether turns carry images or audio. */
  media: boolean;
  images(): string[];
  audios(): string[];
  /** The next (ISL, OSL) pair of --seq-dist, or null without it. */
  sequence: (() => { isl: number; osl: number }) | null;
  /** A random prefix from the pool (first turns), or null without one. */
  prefix(): string | null;
  system: Prompt | null;
  /** The next session's user context prompt, or null without one. */
  userContext(): Prompt | null;
  /** The model of the next turn. */
  model(): string;
};

/** Builds the extras for `cfg.synthetic` over the tokenized `corpus`. */
export function createExtras(tokenizer: Tokenizer, corpus: Uint32Array, cfg: DatasetConfig, seed: number): Extras {
  const x = cfg.synthetic;
  const context = createPromptGenerator(tokenizer, corpus, createRng(deriveSeed(seed, "context-prompts")));
  const pool = Array.from({ length: x.prefixLength > 0 ? x.prefixPoolSize : 0 }, () => context.promptOfTokens(x.prefixLength));
  const prefixRng = createRng(deriveSeed(seed, "prefix-choice"));
  const system = x.sharedSystemPromptLength === null ? null : { text: context.promptOfTokens(x.sharedSystemPromptLength), tokens: x.sharedSystemPromptLength };
  const userContextLength = x.userContextPromptLength;
  const image = x.images === null ? null : createImageSource(x.images, seed);
  const audio = x.audio === null ? null : createAudioSource(x.audio, seed);
  const imageBatch = x.images?.batchSize ?? 0;
  const audioBatch = x.audio?.batchSize ?? 0;
  return {
    media: (image !== null && imageBatch > 0) || (audio !== null && audioBatch > 0),
    images: () => (image === null ? [] : Array.from({ length: imageBatch }, () => image().uri)),
    audios: () => (audio === null ? [] : Array.from({ length: audioBatch }, () => audio().clip)),
    sequence: x.seqDist === null ? null : createSequenceSampler(x.seqDist, seed),
    prefix: () => (pool.length === 0 ? null : (pool[prefixRng.int(pool.length)] as string)),
    system,
    userContext: () => (userContextLength === null ? null : { text: context.promptOfTokens(userContextLength), tokens: userContextLength }),
    model: createModelSelector(cfg.model, x.modelSelection, seed, x.modelWeights),
  };
}

/**
 * round_robin: the n-th turn gets models[n % len]; random: a seeded uniform pick per turn;
 * weighted: a seeded pick with probability weight / sum of weights (weights in models' order).
 */
export function createModelSelector(
  models: string[],
  strategy: "round_robin" | "random" | "weighted",
  seed: number,
  weights?: readonly number[],
): () => string {
  if (models.length === 0) throw new RangeError("At least one model is needed");
  if (strategy === "weighted") {
    const rng = createRng(deriveSeed(seed, "model-selection"));
    const w = models.map((_, i) => Math.max(0, weights?.[i] ?? 1));
    const total = w.reduce((a, b) => a + b, 0);
    return () => {
      let r = rng.next() * total;
      for (let i = 0; i < models.length; i++) {
        r -= w[i] as number;
        if (r < 0 && (w[i] as number) > 0) return models[i] as string;
      }
      // Rounding at the top end: the last model with a weight.
      return models[w.findLastIndex((x) => x > 0)] as string;
    };
  }
  if (strategy === "random") {
    const rng = createRng(deriveSeed(seed, "model-selection"));
    return () => models[rng.int(models.length)] as string;
  }
  let n = 0;
  return () => models[n++ % models.length] as string;
}
