/** Statistics over run-level values (one number per trial), in upstream's aggregate shape. */
import { tCritical } from "./t-dist.ts";

export type ConfidenceStats = {
  mean: number;
  std: number;
  min: number;
  max: number;
  cv: number;
  se: number;
  ci_low: number;
  ci_high: number;
  t_critical: number;
};

/**
 * mean, sample std (n − 1), cv = std/|mean|, se = std/√n, and the Student-t interval
 * mean ± t·se with n − 1 degrees of freedom. One value has no spread: std 0 and no interval
 * (NaN fields, which the JSON writers leave out).
 */
export function confidenceStats(values: number[], confidenceLevel: number): ConfidenceStats {
  const n = values.length;
  if (n === 0) throw new RangeError("confidenceStats needs at least one value");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const se = std / Math.sqrt(n);
  const t = n > 1 ? tCritical(confidenceLevel, n - 1) : Number.NaN;
  return {
    mean,
    std,
    min: Math.min(...values),
    max: Math.max(...values),
    cv: mean === 0 ? Number.POSITIVE_INFINITY : std / Math.abs(mean),
    se,
    ci_low: mean - t * se,
    ci_high: mean + t * se,
    t_critical: t,
  };
}

/** Percentile with linear interpolation between closest ranks (numpy's default), of sorted values. */
export function percentileSorted(sorted: number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const idx = (p / 100) * (n - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return (sorted[lo] as number) + (idx - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** JSON has no NaN/Infinity: such fields are dropped rather than written as null. */
export function finiteOnly<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => typeof v !== "number" || Number.isFinite(v))) as Partial<T>;
}
