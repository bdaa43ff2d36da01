/**
 * The run context every metric computation needs: streaming or not, whether the endpoint produces
 * tokens, and the goodput SLOs (reference/aiperf-features.md §5.1 applicability, §5.4 goodput).
 * Built once per run; invalid `--goodput` input fails here, before any request is sent.
 */
import { findMetric, isApplicable, METRICS, type RunShape } from "./catalogue.ts";
import { hasFlags, MetricFlag } from "./flags.ts";
import { convertUnit } from "./units.ts";

export type MetricContextInput = {
  streaming: boolean;
  producesTokens: boolean;
  /** The endpoint tokenizes its prompt (ISL applies); default `producesTokens`. */
  tokenizesInput?: boolean;
  /** `--goodput` as parsed: tag → threshold in the metric's DISPLAY unit (e.g. ms). */
  goodputSlos?: Readonly<Record<string, number>>;
};

/** One SLO with its threshold already in the metric's base unit (ms → ns). */
export type GoodputSlo = { tag: string; threshold: number; largerIsBetter: boolean };

export type MetricContext = {
  readonly shape: RunShape;
  /** Tags computed in this run (record, aggregate and derived). */
  readonly applicable: ReadonlySet<string>;
  /** Empty when goodput is off. */
  readonly slos: readonly GoodputSlo[];
};

export class GoodputConfigError extends Error {
  override name = "GoodputConfigError";
}

export function createMetricContext(input: MetricContextInput): MetricContext {
  const sloEntries = Object.entries(input.goodputSlos ?? {});
  const shape: RunShape = {
    streaming: input.streaming,
    producesTokens: input.producesTokens,
    goodput: sloEntries.length > 0,
    ...(input.tokenizesInput === undefined ? {} : { tokenizesInput: input.tokenizesInput }),
  };
  const applicable = new Set(METRICS.filter((m) => isApplicable(m, shape)).map((m) => m.tag));
  return { shape, applicable, slos: normalizeSlos(sloEntries, applicable) };
}

/**
 * Validates SLO tags and converts thresholds from display to base units. Only per-record values
 * of valid requests can be judged, so the tag must be a record or aggregate metric that this run
 * computes for valid records (upstream's rule, with its messages).
 */
function normalizeSlos(entries: [string, number][], applicable: ReadonlySet<string>): GoodputSlo[] {
  const unknown = entries.filter(([tag]) => !findMetric(tag)).map(([tag]) => tag);
  if (unknown.length > 0) throw new GoodputConfigError(`Unknown metric tag(s) in --goodput: ${unknown.join(", ")}.`);
  const notApplicable = entries
    .map(([tag]) => tag)
    .filter((tag) => {
      const def = findMetric(tag);
      return !def || def.kind === "derived" || !applicable.has(tag) || hasFlags(def.flags, MetricFlag.ERROR_ONLY);
    })
    .sort();
  if (notApplicable.length > 0) {
    throw new GoodputConfigError(`Invalid --goodput: metric(s) ${notApplicable.join(", ")} are not applicable to the current endpoint/configuration.`);
  }
  return entries.map(([tag, value]) => {
    const def = findMetric(tag);
    if (!def) throw new GoodputConfigError(`Unknown metric tag(s) in --goodput: ${tag}.`);
    // A list metric (ICL) has no single value per request to hold against a threshold; upstream
    // would fail on every record at compare time instead of saying so here.
    if (def.valueType === "int-list") throw new GoodputConfigError(`Invalid --goodput: ${tag} is a list metric.`);
    if (!Number.isFinite(value)) throw new GoodputConfigError(`Invalid --goodput: ${tag} needs a number, got ${value}.`);
    // Upstream bug fixed: metrics without a separate display unit (OSL, Output TPS/User) made
    // v0.1.1 call convert on None and reject the SLO; they need no conversion at all.
    const threshold = convertUnit(value, def.displayUnit, def.unit);
    return { tag, threshold, largerIsBetter: hasFlags(def.flags, MetricFlag.LARGER_IS_BETTER) };
  });
}
