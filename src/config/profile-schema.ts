/**
 * `aiperf profile` configuration: the valibot schema is the single source of the config type and
 * of every default (reference/aiperf-features.md §1.3). Flag names and help live in profile-flags.ts.
 */
import * as v from "valibot";
import { LOG_LEVEL_NAMES } from "../core/log.ts";
import { CUSTOM_DATASET_TYPES, PUBLIC_DATASETS } from "../dataset/loaders/formats.ts";

import { ENDPOINT_TYPES } from "../protocol/endpoint-types.ts";

export { ENDPOINT_TYPES, type EndpointType } from "../protocol/endpoint-types.ts";
export const RATE_MODES = ["constant", "poisson", "concurrency_burst"] as const;
export const UI_TYPES = ["none", "simple"] as const;

const int = (min: number) => v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`));
const num = (min: number) => v.pipe(v.number("must be a number"), v.minValue(min, `must be at least ${min}`));
/** Ordered key/value pairs from --header / --extra-inputs (values already coerced). */
const Pairs = v.array(v.tuple([v.string(), v.unknown()]));

export const ProfileConfig = v.object({
  model: v.pipe(v.array(v.string()), v.minLength(1, "is required: give at least one model name")),
  url: v.optional(v.pipe(v.array(v.string()), v.minLength(1)), ["localhost:8000"]),
  endpointType: v.optional(v.picklist(ENDPOINT_TYPES), "chat"),
  endpoint: v.optional(v.string()),
  streaming: v.optional(v.boolean(), false),
  apiKey: v.optional(v.string()),
  header: v.optional(Pairs, []),
  extraInputs: v.optional(Pairs, []),
  requestTimeoutSeconds: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0")), 600),
  useLegacyMaxTokens: v.optional(v.boolean(), false),
  useServerTokenCount: v.optional(v.boolean(), false),

  concurrency: v.optional(int(1)),
  requestRate: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0"))),
  requestRateMode: v.optional(v.picklist(RATE_MODES)),
  requestCount: v.optional(int(1)),
  warmupRequestCount: v.optional(int(0), 0),
  benchmarkDuration: v.optional(num(1)),
  benchmarkGracePeriod: v.optional(num(0)),
  requestCancellationRate: v.optional(v.pipe(num(0), v.maxValue(100, "must be at most 100")), 0),
  requestCancellationDelay: v.optional(num(0), 0),

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
  customDatasetType: v.optional(v.picklist(CUSTOM_DATASET_TYPES)),
  publicDataset: v.optional(v.picklist(PUBLIC_DATASETS)),
  islBlockSize: v.optional(int(1), 512),
  randomSeed: v.optional(v.pipe(v.number(), v.integer("must be a whole number"))),
  tokenizer: v.optional(v.string()),
  goodput: v.optional(v.record(v.string(), v.number())),

  artifactDir: v.optional(v.string()),
  ui: v.optional(v.picklist(UI_TYPES)),
  workersMax: v.optional(int(1)),
  recordProcessors: v.optional(int(1)),
  logLevel: v.optional(v.picklist(LOG_LEVEL_NAMES), "info"),
  serverMetrics: v.optional(v.array(v.string()), []),
  noServerMetrics: v.optional(v.boolean(), false),
  /** DCGM exporter URLs; empty = upstream's defaults (localhost:9400 and :9401). */
  gpuTelemetry: v.optional(v.array(v.string()), []),
  noGpuTelemetry: v.optional(v.boolean(), false),
  failedRequestThreshold: v.optional(v.pipe(num(0), v.maxValue(1, "must be a ratio from 0 to 1"))),
});

export type ProfileInput = v.InferInput<typeof ProfileConfig>;
export type ProfileConfig = v.InferOutput<typeof ProfileConfig>;
