/**
 * Metrics a plugin adds (--plugin): a per-record value computed from the parsed record, or a
 * derived value computed from the run's aggregates. Each goes into the same catalogue as the
 * built-ins (addMetricDef), so exports, console and --goodput treat it as one of theirs. A
 * plugin's function that throws takes only its own metric out of the run, with one warning.
 */
import type { RequestRecord } from "../records/record.ts";
import { addMetricDef } from "./catalogue.ts";
import type { MetricContext } from "./context.ts";
import { MetricFlag } from "./flags.ts";
import type { DerivedInputs, MetricDef, MetricValues } from "./spec.ts";
import type { MetricUnit } from "./units.ts";

type MetricInfo = {
  /** The export key: lower snake case, unique across built-ins and plugins. */
  tag: string;
  header: string;
  shortHeader?: string;
  /** Unit of the returned value; time values in ns with displayUnit "ms" show as ms. */
  unit: MetricUnit;
  displayUnit?: MetricUnit;
  valueType?: "int" | "float";
  /** MetricFlag bits (NO_CONSOLE, LARGER_IS_BETTER, STREAMING_ONLY…); default none. */
  flags?: number;
  /** Console row order (built-ins use 100…1100); default after them. */
  displayOrder?: number;
};

/** One value per valid request, from the record and the built-in values already computed for it. */
export type RecordMetric = MetricInfo & {
  kind: "record";
  compute(record: Readonly<RequestRecord>, values: Readonly<MetricValues>): number | undefined;
};

/** One value for the run, from the aggregates and the derived values computed before it. */
export type DerivedMetric = MetricInfo & {
  kind: "derived";
  derive(inputs: DerivedInputs, derived: ReadonlyMap<string, number>): number | undefined;
};

export type PluginMetric = RecordMetric | DerivedMetric;

type Registered<M> = { metric: M; origin: string };

const RECORD: Registered<RecordMetric>[] = [];
const DERIVED: Registered<DerivedMetric>[] = [];
/** Tags whose function threw in this process: absent from the rest of the run. */
const FAILED = new Set<string>();
let warn: (message: string) => void = (message) => console.warn(message);

const UNITS = new Set<string>([
  "ns",
  "ms",
  "sec",
  "tokens",
  "requests",
  "ratio",
  "tokens/sec",
  "requests/sec",
  "tokens/sec/user",
  "percent",
  "images",
  "images/sec",
  "ms/image",
]);

/** Adds a plugin's metric to the catalogue and the computation; `origin` names the plugin file. */
export function registerMetric(metric: PluginMetric, origin: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(metric.tag)) throw new Error(`metric tag "${metric.tag}" must be lower snake case (a-z, 0-9, _)`);
  for (const unit of [metric.unit, metric.displayUnit ?? metric.unit]) {
    if (!UNITS.has(unit)) throw new Error(`metric "${metric.tag}": unknown unit "${unit}" (one of ${[...UNITS].join(", ")})`);
  }
  const def: MetricDef = {
    tag: metric.tag,
    header: metric.header,
    shortHeader: metric.shortHeader ?? null,
    shortHeaderHideUnit: false,
    unit: metric.unit,
    displayUnit: metric.displayUnit ?? metric.unit,
    kind: metric.kind,
    valueType: metric.valueType ?? "float",
    flags: metric.flags ?? MetricFlag.NONE,
    displayOrder: metric.displayOrder ?? null,
  };
  addMetricDef(def);
  if (metric.kind === "record") RECORD.push({ metric, origin });
  else DERIVED.push({ metric, origin });
}

/** Where a plugin metric's failure is told (the records role's log). */
export function setPluginMetricWarn(fn: (message: string) => void): void {
  warn = fn;
}

/** True when a plugin metric threw in this run: the summary leaves it out. */
export function pluginMetricFailed(tag: string): boolean {
  return FAILED.has(tag);
}

export function pluginMetricOrigins(): { tag: string; kind: "record" | "derived"; origin: string }[] {
  return [...RECORD, ...DERIVED].map(({ metric, origin }) => ({ tag: metric.tag, kind: metric.kind, origin }));
}

/** Adds the plugin record metrics of one valid record to `values`. */
export function addPluginRecordMetrics(record: RequestRecord, ctx: MetricContext, values: MetricValues): void {
  for (const { metric, origin } of RECORD) {
    if (FAILED.has(metric.tag) || !ctx.applicable.has(metric.tag)) continue;
    try {
      const value = metric.compute(record, values);
      if (typeof value === "number" && Number.isFinite(value)) values[metric.tag] = value;
    } catch (error) {
      fail(metric.tag, origin, error);
    }
  }
}

/** Adds the plugin derived metrics to `out`, in registration order. */
export function addPluginDerivedMetrics(out: Map<string, number>, inputs: DerivedInputs, ctx: MetricContext): void {
  for (const { metric, origin } of DERIVED) {
    if (FAILED.has(metric.tag) || !ctx.applicable.has(metric.tag)) continue;
    try {
      const value = metric.derive(inputs, out);
      if (typeof value === "number" && Number.isFinite(value)) out.set(metric.tag, value);
    } catch (error) {
      fail(metric.tag, origin, error);
    }
  }
}

function fail(tag: string, origin: string, error: unknown): void {
  FAILED.add(tag);
  const why = error instanceof Error ? error.message : String(error);
  warn(`Metric "${tag}" of plugin ${origin} threw (${why}): it is left out of this run's results`);
}
