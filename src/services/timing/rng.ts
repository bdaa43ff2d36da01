/**
 * Seeded randomness for timing: the same seed gives the same arrivals, cancellations and
 * conversation picks, run after run. Each use gets its own stream so that, say, turning
 * cancellation on does not shift the arrival times.
 */

/** Uniform in [0, 1). */
export type Rng = () => number;

const TWO_POW_32 = 0x1_0000_0000;

/**
 * A splitmix-style 32-bit generator: a Weyl counter (golden-ratio step) through an avalanche
 * mix. Two outputs make one double with 53 random bits, so exponential draws have no coarse steps.
 */
export function createRng(seed: number): Rng {
  let state = mix32(seed >>> 0);
  const next32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
  return () => ((next32() >>> 5) * 67_108_864 + (next32() >>> 6)) / 9_007_199_254_740_992;
}

function mix32(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** A seed for one named stream: the whole user seed (high bits too) hashed with the name. */
export function streamSeed(seed: number, stream: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  return mix32((h ^ mix32(seed >>> 0) ^ mix32(high ^ 0x5bd1e995)) >>> 0);
}

/** Exponential with the given rate (mean 1/rate); 1 − u keeps the log finite. */
export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng()) / rate;
}

/** Uniform integer in [0, n). */
export function uniformInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** A seed for runs that name none; it is reported back so the run can be replayed. */
export function freshSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}
