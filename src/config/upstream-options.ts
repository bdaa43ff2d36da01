/**
 * Newer upstream `profile` options (issue 18, "Flags"): their schema entries, spread into
 * ProfileConfig (profile-schema.ts), and the checks between them, run after the schema. Kept
 * apart so the shared schema and flag table change by one line each.
 */
import * as v from "valibot";
import { invalidValue, optionConflict } from "./conflict.ts";

const URL_STRATEGIES = ["round_robin"] as const;
const REQUEST_CONTENT_TYPES = ["application/json", "multipart/form-data"] as const;
const CONNECTION_REUSE_STRATEGIES = ["pooled", "never", "sticky-user-sessions"] as const;
const DATASET_SAMPLING_STRATEGIES = ["random", "sequential", "shuffle"] as const;
const PROMPT_CORPORA = ["sonnet", "coding"] as const;
const CACHE_BUST_TARGETS = ["none", "system_prefix", "system_suffix", "first_turn_prefix", "first_turn_suffix"] as const;

const int = (min: number) => v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`));
const positive = v.pipe(v.number(), v.gtValue(0, "must be greater than 0"));
/** Control paths resolve against each --url's origin, never elsewhere (upstream refuses full URLs). */
const relativePath = v.pipe(
  v.string(),
  v.check((p) => p.startsWith("/") && !p.includes("://"), "must be a path starting with / (it is sent to each --url's host), not a full URL"),
);

export const UPSTREAM_ENTRIES = {
  urlStrategy: v.optional(v.picklist(URL_STRATEGIES), "round_robin"),
  requestContentType: v.optional(v.picklist(REQUEST_CONTENT_TYPES)),
  sessionHeader: v.optional(v.pipe(v.string(), v.regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/i, "must be a header name (letters, digits and -; no spaces or colons)"))),
  connectionReuseStrategy: v.optional(v.picklist(CONNECTION_REUSE_STRATEGIES), "pooled"),
  tokenizerRevision: v.optional(v.pipe(v.string(), v.minLength(1, "expected a branch, tag or commit")), "main"),
  tokenizerTrustRemoteCode: v.optional(v.boolean(), false),
  /** Upstream's own option; the conversations synthesised when --conversation-num is not given. */
  numDatasetEntries: v.optional(int(1)),
  datasetSamplingStrategy: v.optional(v.picklist(DATASET_SAMPLING_STRATEGIES)),
  allowDatasetWrap: v.optional(v.boolean(), false),
  ignoreTraceDelays: v.optional(v.boolean(), false),
  replaySpeedup: v.optional(positive),
  maxContextLength: v.optional(int(1)),
  traceSessionSampleRatio: v.optional(v.pipe(positive, v.maxValue(1, "must be at most 1"))),
  interTurnDelayCapSeconds: v.optional(v.pipe(v.number(), v.minValue(0, "must be at least 0"))),
  promptBatchSize: v.optional(int(0), 1),
  promptCorpus: v.optional(v.picklist(PROMPT_CORPORA)),
  cacheBust: v.optional(v.picklist(CACHE_BUST_TARGETS), "none"),
  rankingsPassagesMean: v.optional(int(1), 1),
  rankingsPassagesStddev: v.optional(int(0), 0),
  rankingsPassagesPromptTokenMean: v.optional(int(1), 550),
  rankingsPassagesPromptTokenStddev: v.optional(int(0), 0),
  rankingsQueryPromptTokenMean: v.optional(int(1), 550),
  rankingsQueryPromptTokenStddev: v.optional(int(0), 0),
  /** Server control requests (endpoints/control-requests.ts); a timeout or path alone turns its hook on, as upstream. */
  resetKvCache: v.optional(v.boolean(), false),
  resetKvCacheTimeoutSeconds: v.optional(positive),
  resetKvCachePath: v.optional(relativePath),
  serverProfiler: v.optional(v.boolean(), false),
  serverProfilerTimeoutSeconds: v.optional(positive),
  serverProfilerStartPath: v.optional(relativePath),
  serverProfilerStopPath: v.optional(relativePath),
  /** Warmup ramps; unset = the profiling ramp (checked with the other load modes in load-modes.ts). */
  warmupConcurrencyRampDuration: v.optional(positive),
  warmupPrefillConcurrencyRampDuration: v.optional(positive),
  warmupRequestRateRampDuration: v.optional(positive),
};

type Checked = v.InferOutput<v.ObjectSchema<typeof UPSTREAM_ENTRIES, undefined>> & {
  inputFile?: string | undefined;
  publicDataset?: string | undefined;
  fixedSchedule?: boolean | undefined;
};

/**
 * Rules upstream applies to these options. Options upstream honours only for dataset formats this
 * build does not read (Weka, baseten traces) are refused with that reason, as upstream refuses
 * them for every other format.
 */
export function checkUpstreamOptions(cfg: Checked): void {
  if (cfg.maxContextLength !== undefined) {
    throw invalidValue(
      "--max-context-length",
      cfg.maxContextLength,
      "upstream applies it only to Weka traces (--custom-dataset-type weka_trace), which this build does not read; remove it",
    );
  }
  if (cfg.traceSessionSampleRatio !== undefined) {
    throw invalidValue(
      "--trace-session-sample-ratio",
      cfg.traceSessionSampleRatio,
      "upstream applies it only to --custom-dataset-type baseten_trace, which this build does not read; remove it",
    );
  }
  const file = cfg.inputFile !== undefined || cfg.publicDataset !== undefined;
  if (!file) {
    if (cfg.ignoreTraceDelays) throw optionConflict("--ignore-trace-delays strips the delays of a dataset file: give --input-file");
    if (cfg.replaySpeedup !== undefined) throw optionConflict("--replay-speedup compresses a dataset file's timestamps and delays: give --input-file");
    if (cfg.interTurnDelayCapSeconds !== undefined) throw optionConflict("--inter-turn-delay-cap-seconds caps a dataset file's delays: give --input-file");
  }
  if (file && cfg.cacheBust !== "none")
    throw optionConflict("--cache-bust marks synthetic conversations in this build; it cannot be used with --input-file yet");
  if (cfg.fixedSchedule === true && cfg.datasetSamplingStrategy !== undefined) {
    throw optionConflict("--dataset-sampling-strategy cannot be used with --fixed-schedule: a schedule replays the file in timestamp order");
  }
}

/** What the user should know about options accepted with a narrower effect than upstream's. */
export function upstreamNotes(cfg: Checked, warn: (m: string) => void): void {
  if (cfg.promptCorpus === "coding") warn("--prompt-corpus coding: this build has one built-in corpus (Moby-Dick); synthetic prompts are cut from it");
  if (cfg.tokenizerTrustRemoteCode) warn("--tokenizer-trust-remote-code has no effect: tokenizer.json is read as data; nothing is downloaded or executed");
  if (cfg.connectionReuseStrategy === "sticky-user-sessions")
    warn(
      "--connection-reuse-strategy sticky-user-sessions: each session's turns go to one worker, whose connections are pooled; a connection is not pinned to a session",
    );
}
