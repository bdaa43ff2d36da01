/**
 * Seeded randomness for datasets, arrivals, cancellations and the mock server's faults: the same
 * `--random-seed` yields the same run on every machine. xoshiro128** (Blackman & Vigna) for the stream, seeded
 * through splitmix32 so that nearby seeds (1, 2, 3…) still start far apart.
 */

/** A seeded stream of random numbers. */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n); n must be a positive integer. */
  int(n: number): number;
  /** Normal N(mean, stddev²) by Box–Muller. */
  normal(mean: number, stddev: number): number;
}

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_26 = 67_108_864;
const TWO_POW_53 = 9_007_199_254_740_992;

/** A generator for `seed` (any finite number; the integer part's 64 bits all matter). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`Seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(seed);
  let sm = (whole >>> 0) ^ Math.imul(Math.floor(whole / TWO_POW_32) >>> 0, 0x9e3779b1);
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    return avalanche(sm);
  };
  let s0 = splitmix();
  let s1 = splitmix();
  let s2 = splitmix();
  let s3 = splitmix();
  // xoshiro must never be in the all-zero state; splitmix practically never yields it, but be sure.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const next32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const next = (): number => ((next32() >>> 5) * TWO_POW_26 + (next32() >>> 6)) / TWO_POW_53;

  // Box–Muller makes two independent normals per pair of uniforms; keep the second for next time.
  let spare: number | undefined;
  const standardNormal = (): number => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - next())); // 1 − u ∈ (0, 1]: the log stays finite
    const angle = 2 * Math.PI * next();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    next,
    int(n) {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Range size must be a positive integer, got ${n}`);
      return Math.min(n - 1, Math.floor(next() * n));
    },
    normal: (mean, stddev) => mean + stddev * standardNormal(),
  };
}

/**
 * The seed of one named stream of `seed`, so each consumer (prompts, ISL, OSL, …) draws its own
 * sequence and enabling one feature does not shift the values another one sees.
 */
export function deriveSeed(seed: number, stream: string): number {
  let h = 0x811c9dc5; // FNV-1a over the stream name
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  const whole = Math.trunc(seed);
  const high = Math.floor(whole / TWO_POW_32) >>> 0;
  return (avalanche(h ^ avalanche(whole >>> 0)) ^ avalanche(high + 0x6a09e667)) >>> 0;
}

/** A random seed for runs that set none (report it, so the run can be replayed). */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The 32-bit finaliser of splitmix32 / murmur3-style mixing. */
function avalanche(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
