/**
 * `aiperf profile` configuration: the valibot schema is the single source of the config type and
 * of every default (reference/aiperf-features.md §1.3). Flag names and help live in profile-flags.ts.
 */
import { ClusterEntries } from "./cluster-schema.ts";
import * as v from "valibot";
import { LOG_LEVEL_NAMES } from "../core/log.ts";
import { isCustomDatasetType, PUBLIC_DATASETS } from "../dataset/loaders/formats.ts";
import { isEndpointType } from "../endpoints/registry.ts";
import { isTransportName } from "../endpoints/transport.ts";

import { EXPORT_LEVELS } from "../export/export-files.ts";
import { AUDIO_DEPTHS, AUDIO_FORMATS, IMAGE_FORMATS } from "../dataset/synthetic/media-formats.ts";
import { UPSTREAM_ENTRIES } from "./upstream-options.ts";

export { ENDPOINT_TYPES, type EndpointType } from "../protocol/endpoint-types.ts";
const RATE_MODES = ["constant", "poisson", "gamma", "concurrency_burst"] as const;
const WAIT_MODES = ["models", "inference", "both"] as const;
const UI_TYPES = ["dashboard", "simple", "none"] as const;
const MODEL_SELECTION_STRATEGIES = ["round_robin", "random", "weighted"] as const;
/** A name of a registry: a built-in's, or one a --plugin registered before the flags are checked. */
const registered = (known: (name: string) => boolean) => v.pipe(v.string(), v.check(known, "is not a registered name"));

const int = (min: number) => v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`));
const num = (min: number) => v.pipe(v.number("must be a number"), v.minValue(min, `must be at least ${min}`));
/** Ordered key/value pairs from --header / --extra-inputs (values already coerced). */
const Pairs = v.array(v.tuple([v.string(), v.unknown()]));

export const ProfileConfig = v.object({
  model: v.pipe(v.array(v.string()), v.minLength(1, "is required: give at least one model name")),
  url: v.optional(v.pipe(v.array(v.string()), v.minLength(1)), ["localhost:8000"]),
  endpointType: v.optional(registered(isEndpointType), "chat"),
  endpoint: v.optional(v.string()),
  streaming: v.optional(v.boolean(), false),
  apiKey: v.optional(v.string()),
  header: v.optional(Pairs, []),
  extraInputs: v.optional(Pairs, []),
  requestTimeoutSeconds: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0")), 21600),
  /** Bounds a worker's memory per request: a 100 MB body once took the run to 2 GB. 0 = no limit. */
  maxResponseBytes: v.optional(int(0), 64 * 1024 * 1024),
  /** --transport: upstream's `http` (its only value) is our default, fetch; raw is HTTP/1.1 on sockets; or a plugin's. */
  transport: v.optional(registered(isTransportName), "fetch"),
  /** --plugin files: cli/profile.ts loads them before these checks; service processes get them in AIPERF_PLUGINS. */
  plugin: v.optional(v.array(v.string()), []),
  /** Pre-flight and upstream's readiness wait (controller/preflight.ts). */
  waitForModelTimeout: v.optional(num(0), 0),
  waitForModelMode: v.optional(v.picklist(WAIT_MODES), "inference"),
  waitForModelInterval: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0")), 5),
  noPreflight: v.optional(v.boolean(), false),
  useLegacyMaxTokens: v.optional(v.boolean(), false),
  useServerTokenCount: v.optional(v.boolean(), false),
  peerMetrics: v.optional(v.boolean(), false),

  concurrency: v.optional(int(1)),
  requestRate: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  requestRateMode: v.optional(v.picklist(RATE_MODES)),
  requestCount: v.optional(int(1)),
  warmupRequestCount: v.optional(int(0), 0),
  benchmarkDuration: v.optional(num(1)),
  benchmarkGracePeriod: v.optional(num(0)),
  requestCancellationRate: v.optional(v.pipe(num(0), v.maxValue(100, "must be at most 100")), 0),
  requestCancellationDelay: v.optional(num(0), 0),
  /** Load modes beyond v0.1.1 (§1.5, §4): gamma smoothness, prefill ceiling, ramps, fixed schedule, user-centric, warmup overrides. */
  arrivalSmoothness: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  prefillConcurrency: v.optional(int(1)),
  concurrencyRampDuration: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  prefillConcurrencyRampDuration: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  requestRateRampDuration: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  requestRateSeries: v.optional(v.pipe(v.string(), v.minLength(1, "needs a file path"))),
  fixedSchedule: v.optional(v.boolean()),
  noFixedSchedule: v.optional(v.boolean(), false),
  fixedScheduleAutoOffset: v.optional(v.boolean(), false),
  fixedScheduleStartOffset: v.optional(int(0)),
  fixedScheduleEndOffset: v.optional(int(0)),
  userCentricRate: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  numUsers: v.optional(int(1)),
  warmupDuration: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  warmupConcurrency: v.optional(int(1)),
  warmupRequestRate: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  warmupArrivalPattern: v.optional(v.picklist(RATE_MODES)),
  warmupGracePeriod: v.optional(num(0)),
  numWarmupSessions: v.optional(int(1)),
  warmupPrefillConcurrency: v.optional(int(1)),

  isl: v.optional(int(0), 550),
  islStddev: v.optional(num(0), 0),
  osl: v.optional(int(1)),
  oslStddev: v.optional(num(0), 0),
  conversationNum: v.optional(int(1), 100),
  conversationTurnMean: v.optional(int(1), 1),
  conversationTurnStddev: v.optional(num(0), 0),
  conversationTurnDelayMean: v.optional(num(0), 0),
  conversationTurnDelayStddev: v.optional(num(0), 0),
  conversationTurnDelayRatio: v.optional(num(0), 1),
  inputFile: v.optional(v.string()),
  customDatasetType: v.optional(registered(isCustomDatasetType)),
  publicDataset: v.optional(v.picklist(PUBLIC_DATASETS)),
  islBlockSize: v.optional(int(1), 512),
  /** Synthetic extras (§1.3, §1.5): cross-checked in synthetic-input.ts. */
  modelSelectionStrategy: v.optional(v.picklist(MODEL_SELECTION_STRATEGIES), "round_robin"),
  seqDist: v.optional(v.string()),
  promptPrefixPoolSize: v.optional(int(0), 0),
  promptPrefixLength: v.optional(int(0), 0),
  sharedSystemPromptLength: v.optional(int(1)),
  userContextPromptLength: v.optional(int(1)),
  imageWidthMean: v.optional(num(0), 0),
  imageWidthStddev: v.optional(num(0), 0),
  imageHeightMean: v.optional(num(0), 0),
  imageHeightStddev: v.optional(num(0), 0),
  imageBatchSize: v.optional(int(0), 1),
  imageFormat: v.optional(v.picklist(IMAGE_FORMATS), "png"),
  audioLengthMean: v.optional(num(0), 0),
  audioLengthStddev: v.optional(num(0), 0),
  audioBatchSize: v.optional(int(0), 1),
  audioFormat: v.optional(v.picklist(AUDIO_FORMATS), "wav"),
  audioDepths: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.number(),
          v.check((d) => (AUDIO_DEPTHS as readonly number[]).includes(d), "must be one of 8, 16, 24, 32"),
        ),
      ),
      v.minLength(1, "needs at least one depth"),
    ),
    [16],
  ),
  audioSampleRates: v.optional(v.pipe(v.array(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))), v.minLength(1, "needs at least one rate")), [16]),
  audioNumChannels: v.optional(v.pipe(int(1), v.maxValue(2, "must be 1 or 2")), 1),
  randomSeed: v.optional(v.pipe(v.number(), v.integer("must be a whole number"))),
  tokenizer: v.optional(v.string()),
  goodput: v.optional(v.record(v.string(), v.number())),

  artifactDir: v.optional(v.string()),
  autoPlot: v.optional(v.boolean(), false),
  /** Export files (export/export-files.ts): names, which files, time slices, outputs.json. */
  profileExportPrefix: v.optional(v.pipe(v.string(), v.minLength(1, "needs a file name prefix"))),
  exportLevel: v.optional(v.picklist(EXPORT_LEVELS), "records"),
  exportOutputsJson: v.optional(v.boolean()),
  sliceDuration: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  ui: v.optional(v.picklist(UI_TYPES)),
  workersMax: v.optional(int(1)),
  recordProcessors: v.optional(int(1)),
  ...ClusterEntries,
  logLevel: v.optional(v.picklist(LOG_LEVEL_NAMES), "info"),
  serverMetrics: v.optional(v.array(v.string()), []),
  noServerMetrics: v.optional(v.boolean(), false),
  /** DCGM exporter URLs; empty = upstream's defaults (localhost:9400 and :9401). */
  gpuTelemetry: v.optional(v.array(v.string()), []),
  noGpuTelemetry: v.optional(v.boolean(), false),
  failedRequestThreshold: v.optional(v.pipe(num(0), v.maxValue(1, "must be a ratio from 0 to 1"))),
  /** Run-validity verdict (beyond upstream, metrics/client-verdict.ts): bounds in ms, and whether breaking one fails the run. */
  /** Absent: the verdict's defaults (metrics/client-verdict.ts), which differ between open and closed loops. */
  clientBottleneckSendLagMs: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  clientBottleneckLoopLagMs: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0")), 5),
  failOnClientBottleneck: v.optional(v.boolean(), false),
  /** Newer upstream's options (issue 18); --model-selection-strategy weighted's per-model weights (from -m name=weight). */
  ...UPSTREAM_ENTRIES,
  modelWeights: v.optional(v.array(v.number())),
});

export type ProfileInput = v.InferInput<typeof ProfileConfig>;
export type ProfileConfig = v.InferOutput<typeof ProfileConfig>;
