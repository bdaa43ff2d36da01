/**
 * The `profile` flags: upstream names and aliases (§1.3), how each value is read (§1.2), and help.
 * Defaults come from the schema, so help and behaviour cannot disagree.
 */
import * as v from "valibot";
import { BenchError } from "../core/errors.ts";
import { ENDPOINT_TYPES, ProfileConfig, type ProfileInput } from "./profile-schema.ts";
import { checkSyntheticFlags } from "./synthetic-input.ts";
import { invalidValue } from "./conflict.ts";
import { didYouMean } from "./did-you-mean.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { customDatasetTypes } from "../dataset/loaders/formats.ts";
import { endpointTypes } from "../endpoints/registry.ts";
import { transportNames } from "../endpoints/transport.ts";
import { CONTROL_FLAGS, DATASET_FLAGS, ENDPOINT_FLAGS, PROMPT_FLAGS, RANKINGS_FLAGS, TOKENIZER_FLAGS, WARMUP_RAMP_FLAGS } from "./upstream-flag-specs.ts";
import { checkUpstreamOptions } from "./upstream-options.ts";
import { readLogLevel } from "./log-level.ts";

import type { FlagSpec, Kind } from "./flag-spec.ts";

export type { FlagSpec } from "./flag-spec.ts";

export const PROFILE_FLAGS: FlagSpec[] = [
  { key: "model", names: ["--model", "--model-names", "-m"], kind: "list", help: "Model name(s) to benchmark (comma list; required)" },
  { key: "url", names: ["--url", "-u"], kind: "list", help: "Server base URL(s); several are used round robin" },
  {
    key: "endpointType",
    names: ["--endpoint-type"],
    kind: "string",
    hint: ENDPOINT_TYPES.join("|"),
    help: "API shape of requests and responses (raw and template have no path: give it in --url; raw needs --custom-dataset-type inputs_json or raw_payload; audio_transcription uploads each turn's audio as multipart/form-data)",
  },
  { key: "endpoint", names: ["--endpoint", "--custom-endpoint"], kind: "string", help: "Path overriding the endpoint type's default path" },
  { key: "streaming", names: ["--streaming"], kind: "boolean", help: "Stream responses (SSE); ignored for embeddings and rankings types" },
  { key: "apiKey", names: ["--api-key"], kind: "string", help: "Sent as Authorization: Bearer <key> (x-api-key for messages)" },
  { key: "header", names: ["--header", "-H"], kind: "pairs", help: "Extra HTTP header(s): key:value[,key:value] or a JSON object; repeatable" },
  {
    key: "extraInputs",
    names: ["--extra-inputs"],
    kind: "pairs",
    help: 'Fields merged into every request body: key:value[,…] or JSON; repeatable. Endpoint settings, one per flag, taken verbatim: payload_template:<nv-embedqa|file|template> (template: a Jinja2 subset, e.g. {"input": {{ texts|tojson }}}; variables text(s), image(s), audio(s), query/queries, passage(s), texts_by_name, model, max_tokens, stream, role, turn(s), request_info), response_field:<path> (raw, template: reply field such as choices[0].text or data[*].embedding; default: auto-detect)',
  },
  ...ENDPOINT_FLAGS,
  {
    key: "waitForModelTimeout",
    names: ["--wait-for-model-timeout"],
    kind: "number",
    help: "Seconds to wait for the server to be ready before the run (0 = do not wait: one quick pre-flight check only)",
  },
  {
    key: "waitForModelMode",
    names: ["--wait-for-model-mode"],
    kind: "string",
    hint: "models|inference|both",
    help: "What ready means: the model is listed by GET /v1/models, a 1-token request is answered (below 500), or both",
  },
  { key: "waitForModelInterval", names: ["--wait-for-model-interval"], kind: "number", help: "Seconds between readiness attempts" },
  ...CONTROL_FLAGS,
  {
    key: "noPreflight",
    names: ["--no-preflight"],
    kind: "boolean",
    help: "Skip the pre-flight check of each --url (reachable, endpoint path, credentials, model listed)",
  },
  {
    key: "useLegacyMaxTokens",
    names: ["--use-legacy-max-tokens"],
    kind: "boolean",
    help: "Chat requests send max_tokens instead of max_completion_tokens (older servers)",
  },
  {
    key: "useServerTokenCount",
    names: ["--use-server-token-count"],
    kind: "boolean",
    help: "Take ISL/OSL/reasoning counts from the server's usage instead of the tokenizer",
  },
  {
    key: "peerMetrics",
    names: ["--peer-metrics"],
    kind: "boolean",
    help: "Also print TPOT, ITL and output throughput as vLLM bench serve, SGLang bench_serving and GenAI-Perf define them (always in profile_export_aiperf.json under peer_metrics)",
  },
  { key: "requestTimeoutSeconds", names: ["--request-timeout-seconds"], kind: "number", help: "Per-request timeout in seconds" },
  {
    key: "maxResponseBytes",
    names: ["--max-response-bytes"],
    kind: "number",
    help: "Most bytes read of one reply body; a longer reply is cut off there and recorded as a ResponseTooLarge error (0 = no limit)",
  },
  {
    key: "transport",
    names: ["--transport", "--transport-type"],
    kind: "string",
    hint: "fetch|raw|http",
    help: "HTTP client of the workers: fetch (Bun's, the default; http is upstream's name for it) or raw (HTTP/1.1 on Bun.connect sockets: cheaper per request and per chunk, each read stamped as it arrives; plain HTTP/1.1 servers)",
  },
  {
    key: "plugin",
    names: ["--plugin"],
    kind: "list",
    help: "A TypeScript or JavaScript file that adds endpoint types, dataset formats, metrics or transports (repeatable; docs/plugins.md; `aiperf plugins` lists what is available)",
  },
  {
    key: "concurrency",
    names: ["--concurrency"],
    kind: "number",
    help: "Requests in flight (closed loop); with --request-rate, a ceiling. Default 1 without a rate",
  },
  { key: "requestRate", names: ["--request-rate"], kind: "number", help: "Target requests per second (open loop)" },
  {
    key: "requestRateMode",
    names: ["--arrival-pattern", "--request-rate-mode"],
    kind: "string",
    hint: "constant|poisson|gamma|concurrency_burst",
    help: "Arrival pattern: poisson with a rate, concurrency_burst without; gamma uses --arrival-smoothness",
  },
  {
    key: "arrivalSmoothness",
    names: ["--arrival-smoothness", "--vllm-burstiness"],
    kind: "number",
    help: "Gamma shape k (implies --arrival-pattern gamma): gaps Gamma(k, 1/(k·rate)); 1 = poisson, higher = smoother",
  },
  {
    key: "prefillConcurrency",
    names: ["--prefill-concurrency"],
    kind: "number",
    help: "Most requests waiting for their first response bytes (needs --streaming; at most --concurrency)",
  },
  {
    key: "concurrencyRampDuration",
    names: ["--concurrency-ramp-duration"],
    kind: "number",
    help: "Seconds over which the concurrency ceiling climbs from 1 to --concurrency",
  },
  {
    key: "prefillConcurrencyRampDuration",
    names: ["--prefill-concurrency-ramp-duration"],
    kind: "number",
    help: "Seconds over which the prefill ceiling climbs from 1 to --prefill-concurrency",
  },
  {
    key: "requestRateRampDuration",
    names: ["--request-rate-ramp-duration"],
    kind: "number",
    help: "Seconds over which the rate climbs to --request-rate, from rate·0.1/seconds, every 0.1 s",
  },
  {
    key: "requestRateSeries",
    names: ["--request-rate-series"],
    kind: "string",
    help: 'JSON file {"points": [{"time_s": 0, "qps": 1}, {"time_s": 60, "qps": 7}, …]}: the profiling rate, linear between points, held before the first and after the last (instead of --request-rate; with --arrival-pattern)',
  },
  {
    key: "fixedSchedule",
    names: ["--fixed-schedule"],
    kind: "boolean",
    help: "Replay the input file's timestamps (automatic for a timestamped mooncake_trace); --concurrency is a ceiling",
  },
  {
    key: "noFixedSchedule",
    names: ["--no-fixed-schedule"],
    kind: "boolean",
    help: "Do not replay a mooncake_trace's timestamps; use the load options instead",
  },
  {
    key: "fixedScheduleAutoOffset",
    names: ["--fixed-schedule-auto-offset"],
    kind: "boolean",
    help: "Fixed schedule starts at the first timestamp (not with --fixed-schedule-start-offset)",
  },
  {
    key: "fixedScheduleStartOffset",
    names: ["--fixed-schedule-start-offset"],
    kind: "number",
    help: "Fixed schedule zero in ms on the trace clock; conversations starting earlier are left out",
  },
  {
    key: "fixedScheduleEndOffset",
    names: ["--fixed-schedule-end-offset"],
    kind: "number",
    help: "Conversations starting after this many ms on the trace clock are left out (≥ start offset)",
  },
  {
    key: "userCentricRate",
    names: ["--user-centric-rate"],
    kind: "number",
    help: "Turns per second over all --num-users users: each user sends its next turn users/rate s after its previous one, never before the reply; users start at staggered session ages and are replaced as they finish (multi-turn; grace default inf)",
  },
  { key: "numUsers", names: ["--num-users"], kind: "number", help: "Simulated users for --user-centric-rate" },
  {
    key: "requestCount",
    names: ["--request-count", "--num-requests"],
    kind: "number",
    help: "Requests to send when profiling (default max(10, 2 × --concurrency); not with --benchmark-duration)",
  },
  {
    key: "warmupRequestCount",
    names: ["--warmup-request-count", "--num-warmup-requests"],
    kind: "number",
    help: "Requests sent before profiling; not measured",
  },
  { key: "warmupDuration", names: ["--warmup-duration"], kind: "number", help: "Warm up for this many seconds instead of a request count" },
  { key: "warmupConcurrency", names: ["--warmup-concurrency"], kind: "number", help: "Concurrency during warmup (default: --concurrency)" },
  { key: "warmupRequestRate", names: ["--warmup-request-rate"], kind: "number", help: "Request rate during warmup (default: --request-rate)" },
  {
    key: "warmupArrivalPattern",
    names: ["--warmup-arrival-pattern"],
    kind: "string",
    hint: "constant|poisson|gamma|concurrency_burst",
    help: "Arrival pattern during warmup (default: --arrival-pattern)",
  },
  {
    key: "warmupGracePeriod",
    names: ["--warmup-grace-period"],
    kind: "number",
    help: "Seconds to wait for warmup replies after --warmup-duration, or inf (default: no limit)",
  },
  {
    key: "numWarmupSessions",
    names: ["--num-warmup-sessions"],
    kind: "number",
    help: "Warm up with this many sessions, every turn of each (instead of --warmup-request-count or --warmup-duration)",
  },
  {
    key: "warmupPrefillConcurrency",
    names: ["--warmup-prefill-concurrency"],
    kind: "number",
    help: "Prefill ceiling during warmup (default: --prefill-concurrency; needs --streaming)",
  },
  ...WARMUP_RAMP_FLAGS,
  { key: "benchmarkDuration", names: ["--benchmark-duration"], kind: "number", help: "Profile for this many seconds instead of a request count" },
  {
    key: "benchmarkGracePeriod",
    names: ["--benchmark-grace-period"],
    kind: "number",
    help: "Seconds to wait for in-flight responses after the duration, or inf (default 30; no limit with --user-centric-rate)",
  },
  { key: "requestCancellationRate", names: ["--request-cancellation-rate"], kind: "number", help: "Percent of requests cancelled by the client" },
  {
    key: "requestCancellationDelay",
    names: ["--request-cancellation-delay"],
    kind: "number",
    help: "Seconds after which a request marked for cancellation is cancelled",
  },
  {
    key: "isl",
    names: ["--isl", "--synthetic-input-tokens-mean", "--prompt-input-tokens-mean"],
    kind: "number",
    help: "Mean input (prompt) tokens of synthetic prompts",
  },
  {
    key: "islStddev",
    names: ["--isl-stddev", "--synthetic-input-tokens-stddev", "--prompt-input-tokens-stddev"],
    kind: "number",
    help: "Standard deviation of input tokens",
  },
  {
    key: "osl",
    names: ["--osl", "--output-tokens-mean", "--prompt-output-tokens-mean"],
    kind: "number",
    help: "Mean output tokens requested (max_tokens); unset = server decides",
  },
  {
    key: "oslStddev",
    names: ["--osl-stddev", "--output-tokens-stddev", "--prompt-output-tokens-stddev"],
    kind: "number",
    help: "Standard deviation of output tokens",
  },
  {
    key: "conversationNum",
    names: ["--conversation-num", "--num-conversations", "--num-sessions"],
    kind: "number",
    help: "Synthetic conversations generated and reused",
  },
  { key: "conversationTurnMean", names: ["--conversation-turn-mean", "--session-turns-mean"], kind: "number", help: "Mean turns per synthetic conversation" },
  {
    key: "conversationTurnStddev",
    names: ["--conversation-turn-stddev", "--session-turns-stddev"],
    kind: "number",
    help: "Standard deviation of turns per conversation",
  },
  {
    key: "conversationTurnDelayMean",
    names: ["--conversation-turn-delay-mean", "--session-turn-delay-mean"],
    kind: "number",
    help: "Mean delay in ms between a reply and the next turn",
  },
  {
    key: "conversationTurnDelayStddev",
    names: ["--conversation-turn-delay-stddev", "--session-turn-delay-stddev"],
    kind: "number",
    help: "Standard deviation of the inter-turn delay in ms",
  },
  {
    key: "conversationTurnDelayRatio",
    names: ["--conversation-turn-delay-ratio", "--session-delay-ratio"],
    kind: "number",
    help: "Multiplier on every inter-turn delay (synthetic or from a file)",
  },
  ...PROMPT_FLAGS,
  {
    key: "inputFile",
    names: ["--input-file"],
    kind: "string",
    help: "Dataset file (or random_pool / raw_payload directory) read instead of synthetic prompts",
  },
  {
    key: "customDatasetType",
    names: ["--custom-dataset-type"],
    kind: "string",
    hint: "single_turn|multi_turn|random_pool|mooncake_trace|csv|inputs_json|raw_payload",
    help: "Format of --input-file (default single_turn, or raw_payload when the lines hold a messages list; a .csv file is read as csv; raw_payload: one verbatim request body per line, or a directory of .jsonl files, one conversation each)",
  },
  {
    key: "publicDataset",
    names: ["--public-dataset"],
    kind: "string",
    hint: "sharegpt",
    help: "Public dataset format of a local --input-file (never downloaded)",
  },
  {
    key: "islBlockSize",
    names: ["--isl-block-size", "--prompt-input-tokens-block-size", "--synthetic-input-tokens-block-size"],
    kind: "number",
    help: "Tokens per mooncake_trace hash_id block",
  },
  ...DATASET_FLAGS,
  {
    key: "modelSelectionStrategy",
    names: ["--model-selection-strategy"],
    kind: "string",
    hint: "round_robin|random|weighted",
    help: "How each turn that names no model gets one of several -m models, synthetic or from --input-file: in turn, at random (seeded), or at random in proportion to weights written -m name=weight (default weight 1)",
  },
  {
    key: "seqDist",
    names: ["--seq-dist", "--sequence-distribution"],
    kind: "string",
    help: 'ISL/OSL pairs with percentages: "256,128:60;512|20,256|10:40", "[(256,128):60,(512,256):40]" or JSON {"pairs":[…]}',
  },
  {
    key: "promptPrefixPoolSize",
    names: ["--prompt-prefix-pool-size", "--prefix-prompt-pool-size", "--num-prefix-prompts"],
    kind: "number",
    help: "Prefix prompts generated; each conversation's first turn starts with a random one",
  },
  {
    key: "promptPrefixLength",
    names: ["--prompt-prefix-length", "--prefix-prompt-length"],
    kind: "number",
    help: "Tokens per prefix prompt (0 = no prefixes)",
  },
  {
    key: "sharedSystemPromptLength",
    names: ["--shared-system-prompt-length"],
    kind: "number",
    help: "Tokens of one system prompt sent first in every session (not with prefix prompts)",
  },
  {
    key: "userContextPromptLength",
    names: ["--user-context-prompt-length"],
    kind: "number",
    help: "Tokens of a user context message unique to each session; needs --conversation-num (not with prefix prompts)",
  },
  {
    key: "imageWidthMean",
    names: ["--image-width-mean"],
    kind: "number",
    help: "Mean width in px of synthetic images; sent when both means are > 0 (chat, messages, responses)",
  },
  { key: "imageWidthStddev", names: ["--image-width-stddev"], kind: "number", help: "Standard deviation of the image width in px" },
  { key: "imageHeightMean", names: ["--image-height-mean"], kind: "number", help: "Mean height in px of synthetic images" },
  { key: "imageHeightStddev", names: ["--image-height-stddev"], kind: "number", help: "Standard deviation of the image height in px" },
  { key: "imageBatchSize", names: ["--image-batch-size", "--batch-size-image"], kind: "number", help: "Images per request" },
  {
    key: "imageFormat",
    names: ["--image-format"],
    kind: "string",
    hint: "png|jpeg|random",
    help: "Encoding of synthetic images (random: one of the two per image)",
  },
  {
    key: "audioLengthMean",
    names: ["--audio-length-mean"],
    kind: "number",
    help: "Mean length in seconds of synthetic audio; > 0 sends audio (chat, responses, audio_transcription)",
  },
  { key: "audioLengthStddev", names: ["--audio-length-stddev"], kind: "number", help: "Standard deviation of the audio length in seconds" },
  { key: "audioBatchSize", names: ["--audio-batch-size", "--batch-size-audio"], kind: "number", help: "Audio clips per request" },
  { key: "audioFormat", names: ["--audio-format"], kind: "string", hint: "wav|mp3", help: "Encoding of synthetic audio (mp3 is not supported by this build)" },
  { key: "audioDepths", names: ["--audio-depths"], kind: "numbers", help: "Bit depths to pick from per clip (8, 16, 24, 32; comma or space list)" },
  {
    key: "audioSampleRates",
    names: ["--audio-sample-rates"],
    kind: "numbers",
    help: "Sample rates in kHz to pick from per clip (comma or space list; values > 96 are Hz)",
  },
  { key: "audioNumChannels", names: ["--audio-num-channels"], kind: "number", help: "Channels of synthetic audio (1 or 2)" },
  ...RANKINGS_FLAGS,
  { key: "randomSeed", names: ["--random-seed"], kind: "number", help: "Seed for prompts, lengths, arrivals and cancellation" },
  {
    key: "tokenizer",
    names: ["--tokenizer"],
    kind: "string",
    help: "tokenizer.json path, directory or HF cache name; default: the model's if cached, else builtin",
  },
  ...TOKENIZER_FLAGS,
  { key: "goodput", names: ["--goodput"], kind: "goodput", help: 'SLOs "tag:value tag:value" in display units, e.g. "time_to_first_token:100"' },
  {
    key: "artifactDir",
    names: ["--artifact-dir", "--output-artifact-dir"],
    kind: "string",
    help: "Output directory (default artifacts/<model>-openai-<type>-<stimulus>)",
  },
  {
    key: "autoPlot",
    names: ["--auto-plot"],
    kind: "boolean",
    help: "After the run, write plots/report.html in the artifact directory (as `aiperf plot` does)",
  },
  {
    key: "profileExportPrefix",
    names: ["--profile-export-prefix", "--profile-export-file"],
    kind: "string",
    help: "Name stem of the export files: <prefix>.json/.csv (summary), <prefix>.jsonl (records), <prefix>_raw.jsonl, <prefix>_timeslices.json/.csv, <prefix>_gpu_telemetry.jsonl (default profile_export_aiperf for the summary, profile_export for the rest); a .json/.csv/.jsonl ending is dropped",
  },
  {
    key: "exportLevel",
    names: ["--export-level", "--profile-export-level"],
    kind: "string",
    hint: "summary|records|raw",
    help: "Which files: summary = JSON and CSV only; records (default) adds profile_export.jsonl; raw adds profile_export_raw.jsonl with each request and response body (and outputs.json)",
  },
  {
    key: "exportOutputsJson",
    names: ["--export-outputs-json"],
    negatable: true,
    kind: "boolean",
    help: "Write outputs.json (<prefix>_outputs.json with --profile-export-prefix): each request's generated text with its ids, times and length/latency metrics (profiling in data, warmup in warmup; not with --export-level summary); --no-export-outputs-json undoes raw's default",
  },
  {
    key: "sliceDuration",
    names: ["--slice-duration"],
    kind: "number",
    help: "Seconds per time slice: metrics per window of the profiling phase in profile_export_aiperf_timeslices.json/.csv",
  },
  {
    key: "ui",
    names: ["--ui", "--ui-type"],
    kind: "string",
    hint: "dashboard|simple|none",
    help: "Progress display: dashboard (live, full screen; the default on a terminal), simple bars, or none",
  },
  { key: "workersMax", names: ["--workers-max", "--max-workers"], kind: "number", help: "Worker processes (default from CPU count, capped by concurrency)" },
  {
    key: "recordProcessors",
    names: ["--record-processors", "--record-processor-service-count"],
    kind: "number",
    help: "Record processor processes (default 0: the records service parses the replies itself)",
  },
  ...CLUSTER_FLAGS,
  {
    key: "logLevel",
    names: ["--log-level"],
    kind: "string",
    hint: "trace|debug|info|notice|warning|success|error|critical",
    help: "Console and log file level, upstream's names in any case (warn is warning; notice and success log as info, critical as error; -v = debug, -vv = trace)",
  },
  {
    key: "serverMetrics",
    names: ["--server-metrics"],
    kind: "list",
    help: "Extra Prometheus endpoint URL(s) to scrape; <url>/metrics of every --url is scraped by default",
  },
  { key: "noServerMetrics", names: ["--no-server-metrics"], kind: "boolean", help: "Do not scrape server metrics" },
  {
    key: "gpuTelemetry",
    names: ["--gpu-telemetry"],
    kind: "list",
    help: "DCGM exporter URL(s) to scrape and show GPU tables for; localhost:9400 and :9401 are tried by default",
  },
  { key: "noGpuTelemetry", names: ["--no-gpu-telemetry"], kind: "boolean", help: "Do not collect GPU telemetry (DCGM or NVML)" },
  { key: "failedRequestThreshold", names: ["--failed-request-threshold"], kind: "number", help: "Exit non-zero when failed/total requests exceeds this ratio" },
  {
    key: "clientBottleneckSendLagMs",
    names: ["--client-bottleneck-send-lag-ms"],
    kind: "number",
    help: "Send lag (intended send time → request sent) above which the client, not the server, was the bottleneck. A rate or schedule's p99 is judged (default 1 ms, at least a tenth of the median gap between sends); a closed loop's mean (default 5 % of the median latency, from 0.05 ms up to 1 ms; at least 1 % of it)",
  },
  {
    key: "clientBottleneckLoopLagMs",
    names: ["--client-bottleneck-loop-lag-ms"],
    kind: "number",
    help: "Worker event-loop lag p99 above which response timestamps are not trusted (client bottleneck)",
  },
  {
    key: "failOnClientBottleneck",
    names: ["--fail-on-client-bottleneck"],
    kind: "boolean",
    help: "Exit non-zero when the run is marked invalid because the client was the bottleneck",
  },
];

const BY_NAME = new Map<string, FlagSpec>(PROFILE_FLAGS.flatMap((f) => f.names.map((n) => [n, f] as const)));

/** Coerces a key:value item's value as upstream does (true/false, null, ints, floats, text). */
function coerce(text: string): unknown {
  const t = text.trim();
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === "true";
  if (/^(none|null)$/i.test(t)) return null;
  if (/^(0|-?[1-9]\d*)$/.test(t)) return Number(t);
  if (/^-?\d*\.\d+$|^-?\d+\.\d*$/.test(t)) return Number(t);
  return t;
}

function parsePairs(flag: string, text: string): [string, unknown][] {
  if (text.trim().startsWith("{")) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      throw invalidValue(flag, text, "not a valid JSON object");
    }
    return Object.entries(obj as Record<string, unknown>);
  }
  // Templates and field paths hold commas and colons: the rest of the item is the value, verbatim.
  const verbatim = /^\s*(payload_template|response_field)\s*:/.exec(text);
  if (verbatim !== null) return [[verbatim[1] as string, text.slice(verbatim[0].length)]];
  return text.split(",").map((item) => {
    const parts = item.split(":");
    if (parts.length !== 2 || (parts[0] ?? "").trim() === "") throw invalidValue(flag, text, "expected key:value items or a JSON object");
    return [(parts[0] as string).trim(), coerce(parts[1] as string)];
  });
}

/** Reads the raw command line (after `profile`) into schema input; every unknown flag is an error. */
export function readProfileArgs(rawArgs: string[]): { input: Record<string, unknown>; verbosity: 0 | 1 | 2 } {
  const input: Record<string, unknown> = {};
  let verbosity: 0 | 1 | 2 = 0;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === "-v" || arg === "--verbose") verbosity = Math.max(verbosity, 1) as 1 | 2;
    else if (arg === "-vv" || arg === "--extra-verbose") verbosity = 2;
    else {
      const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      const spec = BY_NAME.get(name);
      if (spec === undefined) {
        const negated = eq < 0 && name.startsWith("--no-") ? BY_NAME.get(`--${name.slice(5)}`) : undefined;
        if (negated?.negatable === true) {
          input[negated.key] = false;
          continue;
        }
        throw unknownOption(arg, name);
      }
      if (spec.kind === "boolean") {
        input[spec.key] = eq > 0 ? coerce(arg.slice(eq + 1)) : true;
        continue;
      }
      const value = eq > 0 ? arg.slice(eq + 1) : rawArgs[++i];
      if (value === undefined) throw invalidValue(name, null, "a value is required");
      input[spec.key] = readValue(spec, name, value, input[spec.key]);
      // Upstream's list options also take space-separated values: --audio-depths 16 24.
      while (eq < 0 && LISTS.has(spec.kind) && isListValue(rawArgs[i + 1])) input[spec.key] = readValue(spec, name, rawArgs[++i] as string, input[spec.key]);
    }
  }
  return { input, verbosity };
}

const LISTS = new Set<Kind>(["list", "numbers", "pairs"]);

/** A word after a list flag's value that is another value, not the next flag. */
function isListValue(word: string | undefined): boolean {
  return word !== undefined && word !== "" && !word.startsWith("-");
}

function unknownOption(arg: string, name: string): BenchError {
  const help = 'Run "aiperf profile --help" for the list of options';
  if (!arg.startsWith("-"))
    return new BenchError("CONFIG_INVALID", `Unexpected argument "${arg}": profile takes only options`, {
      hint: `${help} (the model is given with -m ${arg})`,
    });
  const negations = PROFILE_FLAGS.filter((f) => f.negatable === true).map((f) => `--no-${(f.names[0] as string).slice(2)}`);
  const near = didYouMean(name, [...BY_NAME.keys(), ...negations, "--verbose", "--extra-verbose"]);
  return new BenchError("CONFIG_INVALID", `Unknown option "${arg}"${near === undefined ? "" : `; did you mean ${near}?`}`, { hint: help });
}

/** Number flags that also take "inf" (no limit). */
const UNBOUNDED = new Set<keyof ProfileInput>(["benchmarkGracePeriod", "warmupGracePeriod"]);

function readValue(spec: FlagSpec, flag: string, text: string, previous: unknown): unknown {
  switch (spec.kind) {
    case "list":
      return [
        ...((previous as string[]) ?? []),
        ...text
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== ""),
      ];
    case "numbers":
      return [
        ...((previous as number[]) ?? []),
        ...text
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
          .map((s) => {
            const n = Number(s);
            if (!Number.isFinite(n)) throw invalidValue(flag, text, "expected a comma list of numbers");
            return n;
          }),
      ];
    case "pairs":
      return [...((previous as [string, unknown][]) ?? []), ...parsePairs(flag, text)];
    case "number": {
      if (UNBOUNDED.has(spec.key) && /^\s*(inf|infinity)\s*$/i.test(text)) return Number.POSITIVE_INFINITY;
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw invalidValue(flag, text, "expected a number");
      return n;
    }
    case "goodput":
      return Object.fromEntries(
        text
          .trim()
          .split(/\s+/)
          .map((item) => {
            const [tag, value] = item.split(":");
            const n = Number(value);
            if (!tag || value === undefined || !Number.isFinite(n)) throw invalidValue(flag, text, 'expected "tag:number" pairs separated by spaces');
            return [tag, n];
          }),
      );
    default:
      if (spec.key === "logLevel") return readLogLevel(flag, text);
      return spec.kind === "string" && spec.hint !== undefined ? text.toLowerCase() : text;
  }
}

/** Validates against the schema; the first problem becomes one message naming flag, value and rule. */
export function parseProfileConfig(input: Record<string, unknown>): ProfileConfig {
  const result = v.safeParse(ProfileConfig, input);
  if (result.success) {
    const cfg = result.output;
    // --num-dataset-entries sizes the synthetic pool unless --conversation-num says otherwise.
    if (input.conversationNum === undefined && cfg.numDatasetEntries !== undefined) cfg.conversationNum = cfg.numDatasetEntries;
    checkSyntheticFlags(cfg, input);
    checkUpstreamOptions(cfg);
    return withModelWeights(cfg);
  }
  const issue = result.issues[0];
  const key = String(issue?.path?.[0]?.key ?? "");
  const spec = PROFILE_FLAGS.find((f) => f.key === key);
  const flag = spec?.names[0] ?? key;
  if (input[key] === undefined) {
    if (key === "model")
      throw new BenchError("CONFIG_INVALID", "Missing --model (-m): name the model to benchmark as the server knows it", {
        hint: "e.g. -m Qwen/Qwen3-0.6B; GET <url>/v1/models lists the names a server serves",
      });
    throw new BenchError("CONFIG_INVALID", `Missing ${flag}: it is required`);
  }
  const names = REGISTERED[key]?.();
  if (names !== undefined) throw invalidValue(flag, input[key], expectedName(String(input[key]), names));
  const allowed = spec?.hint === undefined ? issue?.message : `expected one of ${spec.hint.split("|").join(", ")}`;
  throw invalidValue(flag, input[key], allowed ?? "not allowed");
}

/** Flags whose values are registry names: the built-ins' and those --plugin files added. */
const REGISTERED: Record<string, (() => string[]) | undefined> = {
  endpointType: () => endpointTypes().map((t) => t.name),
  transport: () => transportNames().map((t) => t.name),
  customDatasetType: () => customDatasetTypes().map((t) => t.name),
};

function expectedName(value: string, names: string[]): string {
  const near = didYouMean(value, names);
  return `expected one of ${names.join(", ")}${near === undefined ? "" : `; did you mean ${near}?`} (a plugin's name is known only with its --plugin file)`;
}

/**
 * --model-selection-strategy weighted: each -m name may carry its weight as name=weight (default
 * 1); the names go on without it. Other strategies leave the names as given.
 */
function withModelWeights(cfg: ProfileConfig): ProfileConfig {
  if (cfg.modelSelectionStrategy !== "weighted") {
    const weighted = cfg.model.find((m) => /=\s*[\d.]+\s*$/.test(m));
    if (weighted !== undefined) throw invalidValue("--model", weighted, "a name=weight model needs --model-selection-strategy weighted");
    return cfg;
  }
  const names: string[] = [];
  const weights: number[] = [];
  for (const item of cfg.model) {
    const at = item.lastIndexOf("=");
    const weight = at < 0 ? 1 : Number(item.slice(at + 1));
    if (!Number.isFinite(weight) || weight < 0 || (at >= 0 && item.slice(at + 1).trim() === ""))
      throw invalidValue("--model", item, "expected name=weight with a weight of at least 0");
    names.push(at < 0 ? item : item.slice(0, at).trim());
    weights.push(weight);
  }
  if (!weights.some((w) => w > 0)) throw invalidValue("--model", cfg.model.join(","), "at least one model needs a weight above 0");
  return { ...cfg, model: names, modelWeights: weights };
}
