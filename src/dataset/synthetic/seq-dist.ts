/**
 * `--seq-dist` / `--sequence-distribution` (§3.3, upstream `sequence_distribution.py`): weighted
 * ISL/OSL pairs in one of three grammars,
 *   semicolon  `256,128:60;512|20,256|10:40`          (ISL[|sd],OSL[|sd]:PROB;…)
 *   bracket    `[(256,128):60,(512|20,256|10):40]`
 *   JSON       `{"pairs":[{"isl":256,"isl_stddev":0,"osl":128,"osl_stddev":0,"prob":60}]}`
 * PROB is a percentage, or a fraction when ≤ 1; the pairs must sum to 100 (± 1e-6). A pair with
 * a stddev samples `max(1, round(normal(mean, sd)))`, otherwise the mean exactly.
 */
import { createRng, deriveSeed } from "../../core/rng.ts";

export type SequencePair = { isl: number; islStddev: number; osl: number; oslStddev: number; probability: number };

/** Thrown with a message that says which part of the text is wrong. */
export class SequenceDistributionError extends Error {}

const NUM = String.raw`(\d+)(?:\|(\d*\.?\d+))?`;
const PROB = String.raw`(\d*\.?\d+)`;
const SEMICOLON_PAIR = new RegExp(String.raw`^${NUM}\s*,\s*${NUM}\s*:\s*${PROB}$`);
const BRACKET_PAIR = new RegExp(String.raw`^\(\s*${NUM}\s*,\s*${NUM}\s*\)\s*:\s*${PROB}$`);

/** Parses any of the three grammars; throws {@link SequenceDistributionError}. */
export function parseSequenceDistribution(text: string): SequencePair[] {
  const s = text.trim();
  if (s === "") throw new SequenceDistributionError("the distribution is empty");
  const pairs = s.startsWith("{") ? parseJson(s) : s.startsWith("[") && s.endsWith("]") ? parseBracket(s.slice(1, -1)) : parseSemicolon(s);
  if (pairs.length === 0) throw new SequenceDistributionError("no ISL,OSL:PROB pairs found");
  const total = pairs.reduce((n, p) => n + p.probability, 0);
  if (Math.abs(total - 100) > 1e-6 * 100 + 1e-6) throw new SequenceDistributionError(`probabilities must sum to 100, got ${round6(total)}`);
  return pairs;
}

function parseSemicolon(s: string): SequencePair[] {
  return s
    .split(";")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => fromMatch(item, SEMICOLON_PAIR.exec(item), "ISL[|SD],OSL[|SD]:PROB"));
}

function parseBracket(inner: string): SequencePair[] {
  // Items are "(…):p" separated by commas; only those commas are followed by "(".
  const items = inner.split(/\s*,\s*(?=\()/);
  return items
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => fromMatch(item, BRACKET_PAIR.exec(item), "(ISL[|SD],OSL[|SD]):PROB"));
}

function fromMatch(item: string, m: RegExpExecArray | null, shape: string): SequencePair {
  if (m === null) throw new SequenceDistributionError(`"${item}" is not ${shape}`);
  return makePair(Number(m[1]), m[2] === undefined ? 0 : Number(m[2]), Number(m[3]), m[4] === undefined ? 0 : Number(m[4]), Number(m[5]), item);
}

function parseJson(s: string): SequencePair[] {
  let data: unknown;
  try {
    data = JSON.parse(s);
  } catch (error) {
    throw new SequenceDistributionError(`invalid JSON (${(error as Error).message})`);
  }
  const pairs = (data as { pairs?: unknown } | null)?.pairs;
  if (!Array.isArray(pairs)) throw new SequenceDistributionError('JSON must be an object with a "pairs" array');
  return pairs.map((p: unknown, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    for (const key of ["isl", "osl", "prob"]) {
      if (typeof o[key] !== "number") throw new SequenceDistributionError(`pair ${i} needs a numeric "${key}"`);
    }
    const sd = (key: string): number => {
      const v = o[key] ?? 0;
      if (typeof v !== "number") throw new SequenceDistributionError(`pair ${i}: "${key}" must be a number`);
      return v;
    };
    return makePair(o.isl as number, sd("isl_stddev"), o.osl as number, sd("osl_stddev"), o.prob as number, `pair ${i}`);
  });
}

function makePair(isl: number, islStddev: number, osl: number, oslStddev: number, prob: number, where: string): SequencePair {
  if (!(Number.isInteger(isl) && isl > 0)) throw new SequenceDistributionError(`${where}: ISL must be a whole number > 0, got ${isl}`);
  if (!(Number.isInteger(osl) && osl > 0)) throw new SequenceDistributionError(`${where}: OSL must be a whole number > 0, got ${osl}`);
  if (!(islStddev >= 0 && oslStddev >= 0)) throw new SequenceDistributionError(`${where}: standard deviations must be ≥ 0`);
  const probability = prob <= 1 ? prob * 100 : prob; // fractions are accepted, as upstream does
  if (!(probability >= 0 && probability <= 100)) throw new SequenceDistributionError(`${where}: probability must be in [0, 100], got ${prob}`);
  return { isl, islStddev, osl, oslStddev, probability };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** A seeded sampler of (ISL, OSL) pairs from parsed pairs. */
export function createSequenceSampler(pairs: SequencePair[], seed: number): () => { isl: number; osl: number } {
  const rng = createRng(deriveSeed(seed, "sequence-distribution"));
  const total = pairs.reduce((n, p) => n + p.probability, 0);
  let running = 0;
  const cumulative = pairs.map((p) => (running += p.probability / total));
  const draw = (mean: number, sd: number): number => (sd > 0 ? Math.max(1, Math.round(rng.normal(mean, sd))) : mean);
  return () => {
    const r = rng.next();
    let i = cumulative.findIndex((c) => r < c);
    if (i < 0) i = pairs.length - 1;
    const pair = pairs[i] as SequencePair;
    return { isl: draw(pair.isl, pair.islStddev), osl: draw(pair.osl, pair.oslStddev) };
  };
}
