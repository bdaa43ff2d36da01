/**
 * From validated flags to the run plan: upstream's cross-flag rules (§1.4), mode resolution, and
 * the derived numbers (workers, record processors, URLs) every role receives.
 */
import { upstreamNotes } from "./upstream-options.ts";
import { cpus } from "node:os";
import type { DatasetFormat } from "../dataset/loaders/formats.ts";
import { resolveDatasetInput } from "./dataset-input.ts";
import { type RateMode, resolveLoadModes } from "./load-modes.ts";
import { resolveEndpointSettings } from "./endpoint-settings.ts";
import { producesTokens, streams } from "../endpoints/capabilities.ts";
import type { ProfileConfig } from "./profile-schema.ts";
import { optionConflict } from "./conflict.ts";
import { endpointPath } from "../endpoints/registry.ts";
import { checkHeaders, checkTargetUrl, foldV1 } from "./target.ts";
import type { StudyRunInfo } from "./study-run.ts";
import { checkExportOptions } from "./export-options.ts";

export type { RateMode } from "./load-modes.ts";

export type ResolvedProfile = Omit<ProfileConfig, "requestRateMode" | "benchmarkGracePeriod" | "ui" | "url" | "fixedSchedule"> & {
  urls: string[];
  rateMode: RateMode;
  /** Count mode: credits to send; undefined in duration mode. */
  requestCount: number | undefined;
  benchmarkGracePeriod: number;
  workers: number;
  /** Record-processor processes; 0 (the default): the records service parses the replies. */
  recordProcessors: number;
  ui: "dashboard" | "simple" | "none";
  producesTokens: boolean;
  cliCommand: string;
  /** Loader format of --input-file / --public-dataset; null = synthetic prompts. */
  datasetFormat: DatasetFormat | null;
  /** Mooncake traces: the request count is the dataset's size unless given (upstream forces it). */
  requestCountFromDataset: boolean;
  /** Serve conversations in file order (traces) instead of picking them at random. */
  sequentialDataset: boolean;
  /** Replay the input file's timestamps (the request count, unless given, is the schedule's). */
  fixedSchedule: boolean;
  /** The fixed schedule came from a timestamped mooncake trace, not --fixed-schedule. */
  fixedScheduleAuto: boolean;
  /** --extra-inputs response_field (raw, template): where the record processors find a reply's text. */
  responseField: string | undefined;
  /** Set when this run is one point/trial of a study: upstream's run_info ids (sweep_id, trial, labels). */
  studyRun?: StudyRunInfo;
};

/** Applies the cross-flag rules; `warn` receives the non-fatal adjustments. */
export function resolveProfile(cfg: ProfileConfig, cliCommand: string, isTTY: boolean, warn: (m: string) => void): ResolvedProfile {
  if (cfg.requestCount !== undefined && cfg.benchmarkDuration !== undefined) {
    throw optionConflict("--request-count and --benchmark-duration cannot be used together");
  }
  if (cfg.benchmarkGracePeriod !== undefined && cfg.benchmarkDuration === undefined) {
    throw optionConflict("--benchmark-grace-period needs --benchmark-duration");
  }
  checkHeaders("--header", cfg.header);
  checkExportOptions(cfg);
  if (cfg.workerNodes !== undefined && cfg.zmqHost === undefined)
    throw optionConflict("--worker-nodes needs --zmq-host (the address the nodes reach this host at)");
  if (cfg.waitForModelTimeout === 0 && cfg.waitForModelMode !== "inference") warn("--wait-for-model-mode has no effect without --wait-for-model-timeout");
  upstreamNotes(cfg, warn);
  const dataset = resolveDatasetInput(cfg);
  let streaming = cfg.streaming;
  if (streaming && !streams(cfg.endpointType)) {
    warn(`Streaming is not supported for ${cfg.endpointType}; sending non-streaming requests`);
    streaming = false;
  }
  const { rateMode, concurrency, fixedSchedule, fixedScheduleAuto } = resolveLoadModes(cfg, dataset.datasetFormat, streaming);
  const cpuDefault = Math.max(1, Math.min(Math.floor(cpus().length * 0.75) - 1, 32));
  const workers = Math.max(1, Math.min(cfg.workersMax ?? cpuDefault, concurrency ?? Number.POSITIVE_INFINITY));
  return {
    ...cfg,
    streaming,
    // A base ending in /v1 (OpenAI's base_url) shares its /v1 with the endpoint's path.
    urls: cfg.url.map((u) => foldV1(checkTargetUrl("--url", u), cfg.endpoint ?? endpointPath(cfg.endpointType, streaming))),
    rateMode,
    concurrency,
    // A fixed schedule's count is its schedule's turns unless --request-count caps it; else upstream's max(10, 2 × concurrency).
    requestCount: cfg.benchmarkDuration === undefined ? (cfg.requestCount ?? (fixedSchedule ? undefined : Math.max(10, 2 * (concurrency ?? 1)))) : undefined,
    // User-centric sessions run long: upstream waits for every reply by default (§4.8).
    benchmarkGracePeriod: cfg.benchmarkGracePeriod ?? (cfg.userCentricRate !== undefined ? Number.POSITIVE_INFINITY : 30),
    workers,
    // None by default: the records service parses the replies itself (docs/client-efficiency.md, ninth pass).
    recordProcessors: cfg.recordProcessors ?? 0,
    ui: cfg.ui ?? (isTTY ? "dashboard" : "none"),
    producesTokens: producesTokens(cfg.endpointType),
    cliCommand,
    ...dataset,
    ...(fixedSchedule ? { requestCountFromDataset: false } : {}),
    fixedSchedule,
    fixedScheduleAuto,
    ...resolveEndpointSettings(cfg),
  };
}

/** `http://` is prepended when the URL has no scheme, as upstream does. */
export function normalizeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url.replace(/\/+$/, "") : `http://${url.replace(/\/+$/, "")}`;
}
