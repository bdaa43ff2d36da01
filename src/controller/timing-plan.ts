/**
 * The timing service's "run" payload for a resolved profile: load mode, counts, ceilings, ramps,
 * fixed schedule, user-centric rate and warmup stop and overrides (unset warmup fields are left
 * out, so timing inherits the profiling values); a grace period of inf travels as null.
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { BenchError } from "../core/errors.ts";
import { openDataset } from "../protocol/dataset-file.ts";
import type { DatasetConfigured } from "../protocol/dataset-config.ts";
import type { TimingPlanInput } from "../protocol/timing-plan.ts";
import { readRateSeries } from "../config/rate-series.ts";

/** A fixed schedule needs a timestamp on every conversation's first turn: a usage error before any request. */
export function checkScheduleTimestamps(datasetPath: string, inputFile: string | undefined): void {
  const reader = openDataset(datasetPath);
  let missing = 0;
  for (let c = 0; c < reader.conversations; c++) if (reader.timestampMs(c, 0) === null) missing++;
  if (missing > 0) {
    const what = `${missing} of its ${reader.conversations} conversation${reader.conversations === 1 ? "" : "s"} start${missing === 1 ? "s" : ""} without one`;
    throw new BenchError("CONFIG_INVALID", `Invalid options: --fixed-schedule needs a "timestamp" on every entry of --input-file ${inputFile ?? ""}; ${what}`);
  }
}

/** A grace period as the plan carries it: JSON has no Infinity, so "no limit" travels as null. */
export function wireGraceSec(sec: number | undefined): number | null | undefined {
  return sec === undefined || Number.isFinite(sec) ? sec : null;
}

export function timingPlanOf(cfg: ResolvedProfile, workers: string[], dataset: DatasetConfigured, datasetPath: string): TimingPlanInput {
  const warmup = {
    durationSec: cfg.warmupDuration,
    graceSec: wireGraceSec(cfg.warmupGracePeriod),
    sessions: cfg.numWarmupSessions,
    concurrency: cfg.warmupConcurrency,
    prefillConcurrency: cfg.warmupPrefillConcurrency,
    requestRate: cfg.warmupRequestRate,
    rateMode: cfg.warmupArrivalPattern,
    concurrencyRampSec: cfg.warmupConcurrencyRampDuration,
    prefillRampSec: cfg.warmupPrefillConcurrencyRampDuration,
    rateRampSec: cfg.warmupRequestRateRampDuration,
  };
  const userCentric = cfg.userCentricRate !== undefined && cfg.numUsers !== undefined ? { rate: cfg.userCentricRate, users: cfg.numUsers } : undefined;
  // Turn counts, delays and timestamps are read from the file; single-turn paced data skips it.
  const needsFile = dataset.turns > dataset.conversations || cfg.fixedSchedule || userCentric !== undefined;
  return {
    workers,
    rateMode: cfg.rateMode,
    requestRate: cfg.requestRate,
    concurrency: cfg.concurrency,
    // One credit is one request (one turn), so a trace's count is its turns.
    requestCount: cfg.requestCountFromDataset ? dataset.turns : cfg.requestCount,
    durationSec: cfg.benchmarkDuration,
    graceSec: wireGraceSec(cfg.benchmarkGracePeriod),
    warmupRequestCount: cfg.warmupRequestCount,
    randomSeed: cfg.randomSeed,
    cancellationRate: cfg.requestCancellationRate,
    cancellationDelaySec: cfg.requestCancellationDelay,
    conversations: dataset.conversations,
    // --dataset-sampling-strategy overrides the format's default order (sequential for traces).
    sequential: cfg.datasetSamplingStrategy === undefined ? cfg.sequentialDataset : cfg.datasetSamplingStrategy === "sequential",
    ...(cfg.datasetSamplingStrategy === "shuffle" ? { shuffle: true } : {}),
    ...(needsFile ? { datasetPath } : {}),
    smoothness: cfg.arrivalSmoothness,
    prefillConcurrency: cfg.prefillConcurrency,
    concurrencyRampSec: cfg.concurrencyRampDuration,
    prefillRampSec: cfg.prefillConcurrencyRampDuration,
    rateRampSec: cfg.requestRateRampDuration,
    ...(cfg.requestRateSeries === undefined ? {} : { rateSeries: readRateSeries(cfg.requestRateSeries) }),
    ...(cfg.fixedSchedule
      ? { fixedSchedule: { autoOffset: cfg.fixedScheduleAutoOffset, startOffsetMs: cfg.fixedScheduleStartOffset, endOffsetMs: cfg.fixedScheduleEndOffset } }
      : {}),
    ...(userCentric === undefined ? {} : { userCentric }),
    ...(Object.values(warmup).some((x) => x !== undefined) ? { warmup } : {}),
  };
}
