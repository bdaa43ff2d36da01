/**
 * Length sampling as upstream AIPerf does it (`dataset/utils.py`): a normal draw re-drawn until
 * it is not negative, then rounded up. Used for ISL, OSL (max_tokens) and turn counts.
 */
import type { Rng } from "../../core/rng.ts";

/** Mean and standard deviation of a sampled length. */
export interface LengthDistribution {
  mean: number;
  stddev: number;
}

/**
 * A normal draw ≥ 0 (rejection sampling); stddev 0 gives exactly `mean`. Terminates: with
 * mean ≥ 0 at least half of all draws are accepted.
 */
export function samplePositiveNormal(rng: Rng, mean: number, stddev: number): number {
  assertDistribution(mean, stddev);
  if (stddev === 0) return mean;
  for (;;) {
    const x = rng.normal(mean, stddev);
    if (x >= 0) return x;
  }
}

/** `ceil` of {@link samplePositiveNormal}: an integer ≥ 0 (stddev 0 gives `ceil(mean)`). */
export function samplePositiveNormalInteger(rng: Rng, mean: number, stddev: number): number {
  // `+ 0` turns a -0 (mean -0, stddev 0) into a plain 0.
  return Math.ceil(samplePositiveNormal(rng, mean, stddev)) + 0;
}

/** A sampler of integer lengths ≥ 0 from `dist` (validated once, here, not per draw). */
export function createLengthSampler(rng: Rng, dist: LengthDistribution): () => number {
  assertDistribution(dist.mean, dist.stddev);
  return () => samplePositiveNormalInteger(rng, dist.mean, dist.stddev);
}

function assertDistribution(mean: number, stddev: number): void {
  if (!(Number.isFinite(mean) && mean >= 0)) throw new RangeError(`Mean must be a finite number ≥ 0, got ${mean}`);
  if (!(Number.isFinite(stddev) && stddev >= 0)) {
    throw new RangeError(`Standard deviation must be a finite number ≥ 0, got ${stddev}`);
  }
}
