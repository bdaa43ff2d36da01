/** The points of a study (variations), their order with trials, and each run's folder, seed and labels. */
import { join } from "node:path";
import type { StudyRunInfo } from "../config/study-run.ts";
import type { ArgItem, Axis, AxisValue, StudyOptions } from "./options.ts";

export type Variation = { index: number; label: string; args: string[]; values: Record<string, number> };

/** One run to make: a variation's trial. */
export type PlannedRun = { variation: Variation; trial: number; dir: string; args: string[]; info: StudyRunInfo };

const pad4 = (n: number): string => String(n).padStart(4, "0");

/** Grid (every combination) or zip (element by element) of the sweep axes; one "base" point without axes. */
export function variationsOf(axes: Axis[], type: "grid" | "zip"): Variation[] {
  if (axes.length === 0) return [{ index: 0, label: "base", args: [], values: {} }];
  let combos: AxisValue[][];
  if (type === "zip") combos = (axes[0] as Axis).values.map((_, i) => axes.map((a) => a.values[i] as AxisValue));
  else combos = axes.reduce<AxisValue[][]>((acc, axis) => acc.flatMap((c) => axis.values.map((v) => [...c, v])), [[]]);
  return combos.map((parts, index) => ({
    index,
    label: parts.map((p) => p.label).join("-"),
    args: parts.flatMap((p) => p.args),
    values: Object.assign({}, ...parts.map((p) => p.values)) as Record<string, number>,
  }));
}

/**
 * Where a run's files go, as upstream lays them out: a sweep's points side by side, trials under
 * profile_runs/run_NNNN, both together under profile_runs/trial_NNNN/<point>.
 */
function runDir(base: string, variation: Variation, trial: number, trials: number, swept: boolean): string {
  if (!swept) return trials > 1 ? join(base, "profile_runs", `run_${pad4(trial + 1)}`) : base;
  return trials > 1 ? join(base, "profile_runs", `trial_${pad4(trial + 1)}`, variation.label) : join(base, variation.label);
}

/** The seed of a variation: fixed across trials (pure run-to-run noise), base + index across points unless --parameter-sweep-same-seed. */
function seedOf(options: StudyOptions, variationIndex: number): number | null {
  const base = options.randomSeed ?? (options.setConsistentSeed ? 42 : null);
  if (base === null) return null;
  return options.sameSeed ? base : base + variationIndex;
}

const WARMUP_KEYS = new Set([
  "warmupRequestCount",
  "warmupDuration",
  "numWarmupSessions",
  "warmupConcurrency",
  "warmupRequestRate",
  "warmupArrivalPattern",
  "warmupGracePeriod",
  "warmupPrefillConcurrency",
]);

/** The command line of one run: the base flags (warmup only in a point's first trial, by default), the point's values, its folder and seed. */
export function planRun(options: StudyOptions, base: string, sweepId: string, variation: Variation, trial: number, swept: boolean): PlannedRun {
  const trials = options.numProfileRuns;
  const dir = runDir(base, variation, trial, trials, swept);
  const keep = (it: ArgItem): boolean => !(trial > 0 && options.disableWarmupAfterFirst && it.key !== undefined && WARMUP_KEYS.has(it.key));
  const seed = seedOf(options, variation.index);
  const args = [
    ...options.base.filter(keep).flatMap((it) => it.tokens),
    ...variation.args,
    "--artifact-dir",
    dir,
    ...(seed === null ? [] : ["--random-seed", String(seed)]),
  ];
  const info: StudyRunInfo = {
    sweep_id: sweepId,
    random_seed: seed,
    trial,
    run_label: `run_${pad4(trial + 1)}`,
    variation_label: variation.label,
    variation_index: variation.index,
    variation_values: variation.values,
  };
  return { variation, trial, dir, args, info };
}

/** Sweep × trials in upstream's two orders: repeated = each trial runs the whole sweep; independent = all trials of a point, then the next. */
export function orderRuns(variations: Variation[], trials: number, mode: "repeated" | "independent"): { variation: Variation; trial: number }[] {
  const out: { variation: Variation; trial: number }[] = [];
  if (mode === "repeated") for (let t = 0; t < trials; t++) for (const v of variations) out.push({ variation: v, trial: t });
  else for (const v of variations) for (let t = 0; t < trials; t++) out.push({ variation: v, trial: t });
  return out;
}
