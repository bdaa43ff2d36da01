/**
 * The flag-table rows of newer upstream's `profile` options (upstream-options.ts), by help topic;
 * profile-flags.ts places each group where its topic is. Names, aliases and defaults as upstream's
 * docs/cli-options.md.
 */
import type { FlagSpec } from "./flag-spec.ts";

export const ENDPOINT_FLAGS: FlagSpec[] = [
  {
    key: "urlStrategy",
    names: ["--url-strategy"],
    kind: "string",
    hint: "round_robin",
    help: "How several --url are used: in turn, request by request (upstream's only strategy)",
  },
  {
    key: "requestContentType",
    names: ["--request-content-type"],
    kind: "string",
    hint: "application/json|multipart/form-data",
    help: "How request bodies are sent: JSON (default for every type but audio_transcription and image_edit), or each top-level field as a multipart form field (objects as JSON text)",
  },
  {
    key: "sessionHeader",
    names: ["--session-header"],
    kind: "string",
    help: "Header carrying the per-session id, instead of X-Correlation-ID (e.g. X-Session-ID)",
  },
  {
    key: "connectionReuseStrategy",
    names: ["--connection-reuse-strategy"],
    kind: "string",
    hint: "pooled|never|sticky-user-sessions",
    help: "pooled: kept-alive connections shared by all requests; never: a new connection per request, closed after the reply; sticky-user-sessions: as pooled here, since a session's turns already go to one worker (see README)",
  },
];

export const CONTROL_FLAGS: FlagSpec[] = [
  {
    key: "resetKvCache",
    names: ["--reset-kv-cache"],
    kind: "boolean",
    help: "POST (empty body) to each server's --reset-kv-cache-path once before the run, warmup included; a refusal stops the run (exit 1)",
  },
  {
    key: "resetKvCacheTimeoutSeconds",
    names: ["--reset-kv-cache-timeout-seconds"],
    kind: "number",
    help: "Timeout of each reset request (default 30; no answer or a busy status is retried for up to 60 s)",
  },
  {
    key: "resetKvCachePath",
    names: ["--reset-kv-cache-path"],
    kind: "string",
    help: "Path of the reset on each --url's host (default /reset_prefix_cache, vLLM's); implies --reset-kv-cache",
  },
  {
    key: "serverProfiler",
    names: ["--server-profiler"],
    kind: "boolean",
    help: "POST each server's start path before the profiling phase and its stop path after it (not around warmup); a failed start stops the run (exit 1), a failed stop is a warning",
  },
  { key: "serverProfilerTimeoutSeconds", names: ["--server-profiler-timeout-seconds"], kind: "number", help: "Timeout of each profiler request (default 30)" },
  {
    key: "serverProfilerStartPath",
    names: ["--server-profiler-start-path"],
    kind: "string",
    help: "Path that starts the profiler (default /start_profile, vLLM's and SGLang's); implies --server-profiler",
  },
  {
    key: "serverProfilerStopPath",
    names: ["--server-profiler-stop-path"],
    kind: "string",
    help: "Path that stops the profiler (default /stop_profile); implies --server-profiler",
  },
];

export const TOKENIZER_FLAGS: FlagSpec[] = [
  {
    key: "tokenizerRevision",
    names: ["--tokenizer-revision"],
    kind: "string",
    help: "Branch, tag or commit of the tokenizer in the local Hugging Face cache (refs/<revision> or snapshots/<commit>; never downloaded)",
  },
  {
    key: "tokenizerTrustRemoteCode",
    names: ["--tokenizer-trust-remote-code"],
    kind: "boolean",
    help: "Accepted for upstream's scripts; nothing is ever downloaded or executed (tokenizer.json is read as data)",
  },
];

export const PROMPT_FLAGS: FlagSpec[] = [
  {
    key: "numDatasetEntries",
    names: ["--num-dataset-entries", "--num-prompts"],
    kind: "number",
    help: "Unique synthetic entries generated and reused (the conversation count unless --conversation-num is given); default 100",
  },
  {
    key: "promptBatchSize",
    names: ["--prompt-batch-size", "-b", "--batch-size-text", "--batch-size"],
    kind: "number",
    help: "Texts per request for embeddings types (input is a list of that many prompts); chat and completions send one",
  },
  {
    key: "promptCorpus",
    names: ["--prompt-corpus"],
    kind: "string",
    hint: "sonnet|coding",
    help: "Upstream's corpus choice; accepted, but this build has one built-in corpus (Moby-Dick) and says so when coding is asked for",
  },
  {
    key: "cacheBust",
    names: ["--cache-bust"],
    kind: "string",
    hint: "none|system_prefix|system_suffix|first_turn_prefix|first_turn_suffix",
    help: "Put a marker unique to each conversation and run ([rid:<12 hex>]) before or after the system prompt or the first turn's text, so no prompt prefix is cached across conversations or runs (system_* without a system prompt: on the first turn)",
  },
];

export const DATASET_FLAGS: FlagSpec[] = [
  {
    key: "datasetSamplingStrategy",
    names: ["--dataset-sampling-strategy"],
    kind: "string",
    hint: "random|sequential|shuffle",
    help: "Order conversations are used in: with replacement at random, in file order (wrapping), or shuffled and used once each per pass (default: sequential for traces and raw payloads, random otherwise)",
  },
  {
    key: "allowDatasetWrap",
    names: ["--allow-dataset-wrap"],
    negatable: true,
    kind: "boolean",
    help: "Upstream's Weka/agentic replay setting (also --no-allow-dataset-wrap); accepted, no effect here: those formats are not read, and other datasets always wrap",
  },
  {
    key: "ignoreTraceDelays",
    names: ["--ignore-trace-delays"],
    kind: "boolean",
    help: "Drop the file's timestamps and inter-turn delays: turns go back to back under the load options (no effect with a fixed schedule)",
  },
  {
    key: "replaySpeedup",
    names: ["--replay-speedup"],
    kind: "number",
    help: "Divide the file's timestamps and inter-turn delays by this (10 = ten times faster than recorded)",
  },
  {
    key: "interTurnDelayCapSeconds",
    names: ["--inter-turn-delay-cap-seconds"],
    kind: "number",
    help: "Cap every inter-turn delay of the file at this many seconds (after --replay-speedup)",
  },
  { key: "maxContextLength", names: ["--max-context-length"], kind: "number", help: "Upstream's Weka trace filter; refused: this build reads no Weka traces" },
  {
    key: "traceSessionSampleRatio",
    names: ["--trace-session-sample-ratio"],
    kind: "number",
    help: "Upstream's baseten_trace session sampling; refused: this build reads no baseten traces",
  },
];

export const RANKINGS_FLAGS: FlagSpec[] = [
  {
    key: "rankingsPassagesMean",
    names: ["--rankings-passages-mean"],
    kind: "number",
    help: "Mean passages per synthetic rankings request (normal, at least 1)",
  },
  { key: "rankingsPassagesStddev", names: ["--rankings-passages-stddev"], kind: "number", help: "Standard deviation of the passages per request" },
  { key: "rankingsPassagesPromptTokenMean", names: ["--rankings-passages-prompt-token-mean"], kind: "number", help: "Mean tokens per passage" },
  {
    key: "rankingsPassagesPromptTokenStddev",
    names: ["--rankings-passages-prompt-token-stddev"],
    kind: "number",
    help: "Standard deviation of the tokens per passage",
  },
  { key: "rankingsQueryPromptTokenMean", names: ["--rankings-query-prompt-token-mean"], kind: "number", help: "Mean tokens of the query" },
  { key: "rankingsQueryPromptTokenStddev", names: ["--rankings-query-prompt-token-stddev"], kind: "number", help: "Standard deviation of the query's tokens" },
];

export const WARMUP_RAMP_FLAGS: FlagSpec[] = [
  {
    key: "warmupConcurrencyRampDuration",
    names: ["--warmup-concurrency-ramp-duration"],
    kind: "number",
    help: "Seconds over which the warmup concurrency ceiling climbs from 1 to its target (default: --concurrency-ramp-duration)",
  },
  {
    key: "warmupPrefillConcurrencyRampDuration",
    names: ["--warmup-prefill-concurrency-ramp-duration"],
    kind: "number",
    help: "Seconds over which the warmup prefill ceiling climbs from 1 to its target (default: --prefill-concurrency-ramp-duration)",
  },
  {
    key: "warmupRequestRateRampDuration",
    names: ["--warmup-request-rate-ramp-duration"],
    kind: "number",
    help: "Seconds over which the warmup rate climbs to its target, from rate·0.1/seconds (default: --request-rate-ramp-duration)",
  },
];
