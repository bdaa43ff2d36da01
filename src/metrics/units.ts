/**
 * Metric units and their conversions. Internal values stay in base units (ns, tokens, requests,
 * ratios); exports show display units. Only time units convert; the rest are labels.
 */
export type MetricUnit =
  | "ns"
  | "ms"
  | "sec"
  | "tokens"
  | "requests"
  | "ratio"
  | "tokens/sec"
  | "requests/sec"
  | "tokens/sec/user"
  | "percent"
  | "images"
  | "images/sec"
  | "ms/image";

const PER_SECOND: Partial<Record<MetricUnit, number>> = { ns: 1_000_000_000, ms: 1_000, sec: 1 };

/**
 * Converts `value` between units. Identity when they match; time units scale; anything else is a
 * catalogue error. The factor is computed as upstream does (`value * (to.per_second /
 * from.per_second)`), so ns→ms multiplies by 1e-6 rather than dividing by 1e6: the exported
 * floats then match upstream's to the last bit.
 */
export function convertUnit(value: number, from: MetricUnit, to: MetricUnit): number {
  if (from === to) return value;
  const fromPerSec = PER_SECOND[from];
  const toPerSec = PER_SECOND[to];
  if (fromPerSec === undefined || toPerSec === undefined) throw new Error(`cannot convert ${from} to ${to}`);
  return value * (toPerSec / fromPerSec);
}

/** Seconds in `ns` nanoseconds, as upstream converts a duration before dividing by it. */
export function nsToSec(ns: number): number {
  return convertUnit(ns, "ns", "sec");
}
