/**
 * From validated flags to the run plan: upstream's cross-flag rules (§1.4), mode resolution, and
 * the derived numbers (workers, record processors, URLs) every role receives.
 */
import { cpus } from "node:os";
import { BenchError } from "../core/errors.ts";
import type { DatasetFormat } from "../dataset/loaders/formats.ts";
import { resolveDatasetInput } from "./dataset-input.ts";
import { producesTokens, streams } from "../protocol/endpoint-types.ts";
import type { ProfileConfig } from "./profile-schema.ts";

export type RateMode = "constant" | "poisson" | "concurrency_burst";

export type ResolvedProfile = Omit<ProfileConfig, "requestRateMode" | "benchmarkGracePeriod" | "ui" | "url"> & {
  urls: string[];
  rateMode: RateMode;
  /** Count mode: credits to send; undefined in duration mode. */
  requestCount: number | undefined;
  benchmarkGracePeriod: number;
  workers: number;
  recordProcessors: number;
  ui: "none" | "simple";
  producesTokens: boolean;
  cliCommand: string;
  /** Loader format of --input-file / --public-dataset; null = synthetic prompts. */
  datasetFormat: DatasetFormat | null;
  /** Mooncake traces: the request count is the dataset's size unless given (upstream forces it). */
  requestCountFromDataset: boolean;
  /** Serve conversations in file order (traces) instead of picking them at random. */
  sequentialDataset: boolean;
};

/** Applies the cross-flag rules; `warn` receives the non-fatal adjustments. */
export function resolveProfile(cfg: ProfileConfig, cliCommand: string, isTTY: boolean, warn: (m: string) => void): ResolvedProfile {
  if (cfg.requestCount !== undefined && cfg.benchmarkDuration !== undefined) {
    throw conflict("--request-count and --benchmark-duration cannot be used together");
  }
  if (cfg.benchmarkGracePeriod !== undefined && cfg.benchmarkDuration === undefined) {
    throw conflict("--benchmark-grace-period needs --benchmark-duration");
  }
  if (cfg.requestRateMode === "concurrency_burst" && cfg.requestRate !== undefined) {
    throw conflict("--request-rate-mode concurrency_burst cannot be used with --request-rate");
  }
  if (cfg.requestRate === undefined && cfg.requestRateMode !== undefined && cfg.requestRateMode !== "concurrency_burst") {
    throw conflict(`--request-rate-mode ${cfg.requestRateMode} needs --request-rate`);
  }
  const dataset = resolveDatasetInput(cfg);
  let streaming = cfg.streaming;
  if (streaming && !streams(cfg.endpointType)) {
    warn(`Streaming is not supported for ${cfg.endpointType}; sending non-streaming requests`);
    streaming = false;
  }
  const rateMode: RateMode = cfg.requestRate === undefined ? "concurrency_burst" : (cfg.requestRateMode ?? "poisson");
  const concurrency = cfg.concurrency ?? (cfg.requestRate === undefined ? 1 : undefined);
  const cpuDefault = Math.max(1, Math.min(Math.floor(cpus().length * 0.75) - 1, 32));
  const workers = Math.max(1, Math.min(cfg.workersMax ?? cpuDefault, concurrency ?? Number.POSITIVE_INFINITY));
  return {
    ...cfg,
    streaming,
    urls: cfg.url.map(normalizeUrl),
    rateMode,
    concurrency,
    requestCount: cfg.benchmarkDuration === undefined ? (cfg.requestCount ?? 10) : undefined,
    benchmarkGracePeriod: cfg.benchmarkGracePeriod ?? 30,
    workers,
    recordProcessors: cfg.recordProcessors ?? Math.max(1, Math.floor(workers / 4)),
    ui: cfg.ui ?? (isTTY ? "simple" : "none"),
    producesTokens: producesTokens(cfg.endpointType),
    cliCommand,
    ...dataset,
  };
}

/** `http://` is prepended when the URL has no scheme, as upstream does. */
export function normalizeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url.replace(/\/+$/, "") : `http://${url.replace(/\/+$/, "")}`;
}

function conflict(message: string): BenchError {
  return new BenchError("CONFIG_INVALID", `Invalid options: ${message}`);
}
