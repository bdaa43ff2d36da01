/**
 * The load-generator flags' cross-checks and mode resolution (aiperf-features §1.4, §1.5
 * "Validation additions"): request rate and arrival pattern, gamma smoothness, fixed schedule
 * (explicit, or automatic for a mooncake_trace whose first line has a timestamp), rate series,
 * user-centric rate, ramps, prefill ceiling and warmup stop conditions and overrides. Every rule names its flags.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { DatasetFormat } from "../dataset/loaders/formats.ts";
import type { ProfileConfig } from "./profile-schema.ts";
import { readRateSeries } from "./rate-series.ts";
import { optionConflict } from "./conflict.ts";

export type RateMode = "constant" | "poisson" | "gamma" | "concurrency_burst";

type LoadModes = {
  rateMode: RateMode;
  /** Requests in flight at most; undefined = no ceiling (a rate, a fixed schedule, user-centric). */
  concurrency: number | undefined;
  /** Replay the input file's timestamps (explicit or automatic). */
  fixedSchedule: boolean;
  /** The fixed schedule was switched on because the trace has timestamps (the run logs it). */
  fixedScheduleAuto: boolean;
};

/**
 * A closed loop: `--concurrency` alone paces the run (no rate, no schedule, no user-centric
 * pacing), so a request goes out when a slot frees. The client check judges its send lag by the
 * mean, the dashboard says so, and timing runs in the only worker's process (controller/timing-host.ts).
 */
export function isClosedLoop(cfg: { rateMode: RateMode; fixedSchedule: boolean; userCentricRate?: number | undefined }): boolean {
  return cfg.rateMode === "concurrency_burst" && !cfg.fixedSchedule && cfg.userCentricRate === undefined;
}

/**
 * A closed loop's start-up fill: its first credits, one per slot, all sent at once. Their lateness
 * delays each slot's start once, not the load, so the send-lag verdict and the dashboard leave
 * them out. Zero for every other pacing.
 */
export function startupCredits(cfg: Parameters<typeof isClosedLoop>[0] & { concurrency?: number | undefined }): number {
  return isClosedLoop(cfg) ? (cfg.concurrency ?? 1) : 0;
}

/** `streaming` is the effective value (after an endpoint type that cannot stream turned it off). */
export function resolveLoadModes(cfg: ProfileConfig, datasetFormat: DatasetFormat | null, streaming: boolean): LoadModes {
  const pattern = cfg.requestRateMode;
  const series = cfg.requestRateSeries;
  if (series !== undefined) {
    if (cfg.requestRate !== undefined) throw optionConflict("--request-rate-series cannot be used with --request-rate (the series is the rate)");
    if (cfg.userCentricRate !== undefined) throw optionConflict("--request-rate-series cannot be used with --user-centric-rate");
    if (pattern === "concurrency_burst")
      throw optionConflict("--arrival-pattern (--request-rate-mode) concurrency_burst cannot be used with --request-rate-series");
    readRateSeries(series);
  }
  const rated = cfg.requestRate !== undefined || series !== undefined;
  if (cfg.arrivalSmoothness !== undefined && pattern !== undefined && pattern !== "gamma") {
    throw optionConflict(`--arrival-smoothness ${cfg.arrivalSmoothness} needs --arrival-pattern gamma, not ${pattern}`);
  }
  if (pattern === "concurrency_burst" && cfg.requestRate !== undefined) {
    throw optionConflict("--arrival-pattern (--request-rate-mode) concurrency_burst cannot be used with --request-rate");
  }
  if (!rated && pattern !== undefined && pattern !== "concurrency_burst") {
    throw optionConflict(`--arrival-pattern (--request-rate-mode) ${pattern} needs --request-rate (or --request-rate-series)`);
  }
  if (!rated && cfg.arrivalSmoothness !== undefined && cfg.userCentricRate === undefined) {
    throw optionConflict(`--arrival-smoothness ${cfg.arrivalSmoothness} needs --request-rate (or --request-rate-series)`);
  }

  // Fixed schedule: explicit, or a timestamped mooncake trace unless --no-fixed-schedule.
  if (cfg.fixedSchedule === true && cfg.noFixedSchedule) throw optionConflict("--fixed-schedule and --no-fixed-schedule cannot be used together");
  if (cfg.fixedSchedule === true && cfg.inputFile === undefined) throw optionConflict("--fixed-schedule needs --input-file (a dataset with timestamps)");
  const fixedScheduleAuto =
    cfg.fixedSchedule !== true &&
    !cfg.noFixedSchedule &&
    datasetFormat === "mooncake_trace" &&
    cfg.inputFile !== undefined &&
    firstLineHasTimestamp(cfg.inputFile);
  const fixedSchedule = cfg.fixedSchedule === true || fixedScheduleAuto;
  const offsets: [string, unknown][] = [
    ["--fixed-schedule-auto-offset", cfg.fixedScheduleAutoOffset ? true : undefined],
    ["--fixed-schedule-start-offset", cfg.fixedScheduleStartOffset],
    ["--fixed-schedule-end-offset", cfg.fixedScheduleEndOffset],
  ];
  for (const [flag, value] of offsets) {
    if (value !== undefined && !fixedSchedule)
      throw optionConflict(`${flag} needs a fixed schedule (--fixed-schedule, or a mooncake_trace --input-file with timestamps)`);
  }
  if (cfg.fixedScheduleAutoOffset && cfg.fixedScheduleStartOffset !== undefined) {
    throw optionConflict("--fixed-schedule-auto-offset and --fixed-schedule-start-offset cannot be used together");
  }
  const { fixedScheduleStartOffset: start, fixedScheduleEndOffset: end } = cfg;
  if (start !== undefined && end !== undefined && start > end) {
    throw optionConflict(`--fixed-schedule-start-offset ${start} must not be greater than --fixed-schedule-end-offset ${end}`);
  }
  if (fixedSchedule) {
    const why = fixedScheduleAuto
      ? " (the mooncake_trace has timestamps, so it is replayed on its schedule; add --no-fixed-schedule to use the load flags instead)"
      : "";
    const loadFlags = [
      ["--request-rate", cfg.requestRate],
      ["--request-rate-series", series],
      ["--arrival-pattern", pattern],
      ["--user-centric-rate", cfg.userCentricRate],
      ["--request-rate-ramp-duration", cfg.requestRateRampDuration],
    ] as const;
    for (const [flag, value] of loadFlags) {
      if (value !== undefined) throw optionConflict(`${flag} cannot be used with a fixed schedule${why}`);
    }
  }

  // User-centric rate.
  if (cfg.userCentricRate !== undefined) {
    if (cfg.numUsers === undefined) throw optionConflict("--user-centric-rate needs --num-users");
    if (cfg.requestRate !== undefined) throw optionConflict("--user-centric-rate cannot be used with --request-rate");
    if (pattern !== undefined) throw optionConflict("--user-centric-rate cannot be used with --arrival-pattern (--request-rate-mode)");
    if (cfg.requestRateRampDuration !== undefined) throw optionConflict("--request-rate-ramp-duration cannot be used with --user-centric-rate");
    if (cfg.arrivalSmoothness !== undefined) throw optionConflict("--arrival-smoothness cannot be used with --user-centric-rate");
    if (datasetFormat === null && cfg.conversationTurnMean < 2) {
      throw optionConflict(
        `--user-centric-rate needs multi-turn sessions: --session-turns-mean (--conversation-turn-mean) must be at least 2, got ${cfg.conversationTurnMean}`,
      );
    }
  } else if (cfg.numUsers !== undefined) {
    throw optionConflict("--num-users needs --user-centric-rate");
  }

  const paced = rated || fixedSchedule || cfg.userCentricRate !== undefined;
  const rateMode: RateMode = !rated ? "concurrency_burst" : (pattern ?? (cfg.arrivalSmoothness !== undefined ? "gamma" : "poisson"));
  const concurrency = cfg.concurrency ?? (paced ? undefined : 1);

  // Ramps and the prefill ceiling.
  if (cfg.concurrencyRampDuration !== undefined && cfg.concurrency === undefined) throw optionConflict("--concurrency-ramp-duration needs --concurrency");
  if (cfg.requestRateRampDuration !== undefined && cfg.requestRate === undefined) throw optionConflict("--request-rate-ramp-duration needs --request-rate");
  if (cfg.prefillConcurrencyRampDuration !== undefined && cfg.prefillConcurrency === undefined) {
    throw optionConflict("--prefill-concurrency-ramp-duration needs --prefill-concurrency");
  }
  if (cfg.prefillConcurrency !== undefined) {
    if (!streaming) throw optionConflict("--prefill-concurrency needs --streaming (the first token is what frees a slot)");
    if (concurrency !== undefined && cfg.prefillConcurrency > concurrency) {
      throw optionConflict(`--prefill-concurrency ${cfg.prefillConcurrency} must not be greater than --concurrency ${concurrency}`);
    }
  }

  // Warmup: stop by count, by duration or by sessions; overrides need a warmup.
  if (cfg.warmupDuration !== undefined && cfg.warmupRequestCount > 0)
    throw optionConflict("--warmup-duration and --warmup-request-count cannot be used together");
  if (cfg.numWarmupSessions !== undefined) {
    const other = cfg.warmupDuration !== undefined ? "--warmup-duration" : cfg.warmupRequestCount > 0 ? "--warmup-request-count" : undefined;
    if (other !== undefined)
      throw optionConflict(`--num-warmup-sessions ${cfg.numWarmupSessions} and ${other} cannot be used together (give one warmup stop condition)`);
  }
  if (cfg.warmupGracePeriod !== undefined && cfg.warmupDuration === undefined) throw optionConflict("--warmup-grace-period needs --warmup-duration");
  const warming = cfg.warmupDuration !== undefined || cfg.warmupRequestCount > 0 || cfg.numWarmupSessions !== undefined;
  const warmupOverrides = [
    ["--warmup-concurrency", cfg.warmupConcurrency],
    ["--warmup-request-rate", cfg.warmupRequestRate],
    ["--warmup-arrival-pattern", cfg.warmupArrivalPattern],
    ["--warmup-prefill-concurrency", cfg.warmupPrefillConcurrency],
    ["--warmup-concurrency-ramp-duration", cfg.warmupConcurrencyRampDuration],
    ["--warmup-prefill-concurrency-ramp-duration", cfg.warmupPrefillConcurrencyRampDuration],
    ["--warmup-request-rate-ramp-duration", cfg.warmupRequestRateRampDuration],
  ] as const;
  for (const [flag, value] of warmupOverrides) {
    if (value !== undefined && !warming) throw optionConflict(`${flag} needs a warmup (--warmup-request-count, --warmup-duration or --num-warmup-sessions)`);
  }
  // A warmup ramp climbs to the warmup's own target, or to the profiling one it inherits.
  if (cfg.warmupConcurrencyRampDuration !== undefined && cfg.warmupConcurrency === undefined && cfg.concurrency === undefined) {
    throw optionConflict("--warmup-concurrency-ramp-duration needs --warmup-concurrency (or --concurrency)");
  }
  if (cfg.warmupPrefillConcurrencyRampDuration !== undefined && cfg.warmupPrefillConcurrency === undefined && cfg.prefillConcurrency === undefined) {
    throw optionConflict("--warmup-prefill-concurrency-ramp-duration needs --warmup-prefill-concurrency (or --prefill-concurrency)");
  }
  const warmupRated = cfg.warmupRequestRate !== undefined || (cfg.requestRate !== undefined && !fixedSchedule && cfg.userCentricRate === undefined);
  if (cfg.warmupRequestRateRampDuration !== undefined && (!warmupRated || cfg.warmupArrivalPattern === "concurrency_burst")) {
    throw optionConflict("--warmup-request-rate-ramp-duration needs --warmup-request-rate (or --request-rate)");
  }
  if (cfg.warmupPrefillConcurrency !== undefined) {
    if (!streaming) throw optionConflict("--warmup-prefill-concurrency needs --streaming (the first token is what frees a slot)");
    const warmupConcurrency = cfg.warmupConcurrency ?? concurrency;
    if (warmupConcurrency !== undefined && cfg.warmupPrefillConcurrency > warmupConcurrency) {
      const flag = cfg.warmupConcurrency !== undefined ? "--warmup-concurrency" : "--concurrency";
      throw optionConflict(`--warmup-prefill-concurrency ${cfg.warmupPrefillConcurrency} must not be greater than ${flag} ${warmupConcurrency}`);
    }
  }
  if (cfg.warmupArrivalPattern === "concurrency_burst" && cfg.warmupRequestRate !== undefined) {
    throw optionConflict("--warmup-arrival-pattern concurrency_burst cannot be used with --warmup-request-rate");
  }
  const warmupPattern = cfg.warmupArrivalPattern;
  if (
    warmupPattern !== undefined &&
    warmupPattern !== "concurrency_burst" &&
    cfg.warmupRequestRate === undefined &&
    (cfg.requestRate === undefined || fixedSchedule)
  ) {
    throw optionConflict(`--warmup-arrival-pattern ${warmupPattern} needs --warmup-request-rate (or --request-rate)`);
  }
  return { rateMode, concurrency, fixedSchedule, fixedScheduleAuto };
}

/** Whether the first non-empty line of a JSONL file is an object with a numeric "timestamp" (upstream's auto-detection). */
export function firstLineHasTimestamp(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    for (const line of buf.subarray(0, n).toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const obj = JSON.parse(line) as { timestamp?: unknown };
        return typeof obj.timestamp === "number";
      } catch {
        // A first line longer than the buffer (a long text_input) is cut: look for the key instead.
        return /"timestamp"\s*:\s*-?\d/.test(line);
      }
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
