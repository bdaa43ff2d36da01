/** The dataset service's "configure" payload and reply. */
import * as v from "valibot";
import { AUDIO_FORMATS, IMAGE_FORMATS } from "./dataset-formats.ts";

/** Synthetic extras (src/config/synthetic-input.ts builds this from the flags). */
export const SyntheticConfig = v.object({
  modelSelection: v.picklist(["round_robin", "random", "weighted"]),
  /** weighted: one weight per model, in -m order. */
  modelWeights: v.optional(v.array(v.number())),
  /** --seq-dist pairs (probabilities in percent), or null for --isl/--osl. */
  seqDist: v.nullable(v.array(v.object({ isl: v.number(), islStddev: v.number(), osl: v.number(), oslStddev: v.number(), probability: v.number() }))),
  prefixPoolSize: v.number(),
  prefixLength: v.number(),
  sharedSystemPromptLength: v.nullable(v.number()),
  userContextPromptLength: v.nullable(v.number()),
  images: v.nullable(
    v.object({
      widthMean: v.number(),
      widthStddev: v.number(),
      heightMean: v.number(),
      heightStddev: v.number(),
      format: v.picklist(IMAGE_FORMATS),
      batchSize: v.number(),
    }),
  ),
  audio: v.nullable(
    v.object({
      lengthMean: v.number(),
      lengthStddev: v.number(),
      sampleRatesKhz: v.array(v.number()),
      depths: v.array(v.number()),
      channels: v.number(),
      format: v.picklist(AUDIO_FORMATS),
      batchSize: v.number(),
    }),
  ),
});
export type SyntheticConfig = v.InferOutput<typeof SyntheticConfig>;

export const NO_SYNTHETIC_EXTRAS: SyntheticConfig = {
  modelSelection: "round_robin",
  seqDist: null,
  prefixPoolSize: 0,
  prefixLength: 0,
  sharedSystemPromptLength: null,
  userContextPromptLength: null,
  images: null,
  audio: null,
};

/** Newer upstream's dataset options (issue 18; controller/request-options.ts fills them). */
export const UpstreamDatasetOptions = v.object({
  /** -b/--prompt-batch-size: texts per embeddings request. */
  promptBatchSize: v.number(),
  /** --rankings-*: passages per request and token lengths of passages and query. */
  rankings: v.object({
    passagesMean: v.number(),
    passagesStddev: v.number(),
    passageTokensMean: v.number(),
    passageTokensStddev: v.number(),
    queryTokensMean: v.number(),
    queryTokensStddev: v.number(),
  }),
  cacheBust: v.picklist(["none", "system_prefix", "system_suffix", "first_turn_prefix", "first_turn_suffix"]),
  /** File datasets: --ignore-trace-delays, --replay-speedup, --inter-turn-delay-cap-seconds (ms). */
  traceTiming: v.object({ ignoreDelays: v.boolean(), speedup: v.number(), delayCapMs: v.nullable(v.number()) }),
  tokenizerRevision: v.optional(v.string()),
});
export type UpstreamDatasetOptions = v.InferOutput<typeof UpstreamDatasetOptions>;

export const DEFAULT_UPSTREAM_DATASET_OPTIONS: UpstreamDatasetOptions = {
  promptBatchSize: 1,
  rankings: { passagesMean: 2, passagesStddev: 0, passageTokensMean: 550, passageTokensStddev: 0, queryTokensMean: 550, queryTokensStddev: 0 },
  cacheBust: "none",
  traceTiming: { ignoreDelays: false, speedup: 1, delayCapMs: null },
};

export const DatasetConfig = v.object({
  model: v.pipe(v.array(v.string()), v.minLength(1)),
  endpointType: v.pipe(v.string(), v.minLength(1)),
  streaming: v.boolean(),
  extraInputs: v.array(v.tuple([v.string(), v.unknown()])),
  /** --use-legacy-max-tokens: chat bodies carry max_tokens, not max_completion_tokens. */
  useLegacyMaxTokens: v.optional(v.boolean()),
  isl: v.number(),
  islStddev: v.number(),
  osl: v.nullable(v.number()),
  oslStddev: v.number(),
  conversationNum: v.number(),
  randomSeed: v.nullable(v.number()),
  tokenizer: v.nullable(v.string()),
  /** File-based dataset (--input-file): its path and loader format; null = synthetic. */
  inputFile: v.optional(v.nullable(v.string()), null),
  datasetFormat: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1))), null),
  /** --isl-block-size: tokens per mooncake hash_id block. */
  blockSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 512),
  /** Synthetic turns per conversation (ceil of a normal ≥ 1) and inter-turn delays in ms. */
  turnMean: v.optional(v.number(), 1),
  turnStddev: v.optional(v.number(), 0),
  turnDelayMean: v.optional(v.number(), 0),
  turnDelayStddev: v.optional(v.number(), 0),
  /** Multiplies every inter-turn delay, synthetic or from a file. */
  turnDelayRatio: v.optional(v.number(), 1),
  /** Images, audio, --seq-dist, prefix/system/context prompts, model selection. */
  synthetic: v.optional(SyntheticConfig, NO_SYNTHETIC_EXTRAS),
  upstream: v.optional(UpstreamDatasetOptions, DEFAULT_UPSTREAM_DATASET_OPTIONS),
  /** Where to write dataset.bin (the run's private folder). */
  datasetPath: v.string(),
  /** Where to write inputs.json (the artifact folder). */
  inputsJsonPath: v.string(),
});
export type DatasetConfig = v.InferOutput<typeof DatasetConfig>;

export type DatasetConfigured = {
  conversations: number;
  turns: number;
  tokenizer: string;
  /** Bad input file: `file:line: what is wrong` (the controller stops with CONFIG_INVALID). */
  error?: string;
  /** What the error is about: the input file (default) or --tokenizer; and how to fix it. */
  errorSource?: "dataset" | "tokenizer";
  errorHint?: string | undefined;
};
