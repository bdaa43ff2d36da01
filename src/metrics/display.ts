/**
 * Base → display unit conversion and the export visibility rules (reference/aiperf-features.md
 * §5.1): what each output shows, in the units it shows it.
 */
import { type MetricDef, metricDef } from "./catalogue.ts";
import { hasAnyFlag, MetricFlag } from "./flags.ts";
import type { MetricValues } from "./spec.ts";
import { STAT_KEYS } from "./stats.ts";
import type { MetricResult } from "./summary.ts";
import { convertUnit } from "./units.ts";

/** `result` with every statistic in the metric's display unit. */
export function toDisplayResult(result: MetricResult): MetricResult {
  const def = metricDef(result.tag);
  if (def.displayUnit === def.unit) return result;
  const out: MetricResult = { ...result, unit: def.displayUnit };
  for (const key of STAT_KEYS) {
    const v = result[key];
    if (v !== undefined) out[key] = convertUnit(v, def.unit, def.displayUnit);
  }
  return out;
}

/** JSON and CSV hide INTERNAL and EXPERIMENTAL metrics unless developer mode asks for them. */
export function isFileExported(tag: string, showInternal = false): boolean {
  return showInternal || !hasAnyFlag(metricDef(tag).flags, MetricFlag.INTERNAL | MetricFlag.EXPERIMENTAL);
}

/** The console table also hides ERROR_ONLY and NO_CONSOLE metrics. */
export function isConsoleShown(tag: string): boolean {
  const hidden = MetricFlag.ERROR_ONLY | MetricFlag.NO_CONSOLE | MetricFlag.INTERNAL | MetricFlag.EXPERIMENTAL;
  return !hasAnyFlag(metricDef(tag).flags, hidden);
}

export type DisplayValue = { value: number | number[]; unit: string };

/**
 * Whether a metric goes into a record's JSONL line, decided once per definition (it was per value,
 * per record), and its JSON around the value: `"tag":{"value":` and `,"unit":"ms"}`.
 */
type LinePlan = { def: MetricDef; shown: boolean; head: string; tail: string };
const linePlans = [new Map<string, LinePlan>(), new Map<string, LinePlan>()];

function linePlan(tag: string, showInternal: boolean): LinePlan {
  const def = metricDef(tag);
  const plans = linePlans[showInternal ? 1 : 0] as Map<string, LinePlan>;
  let plan = plans.get(tag);
  // A plugin may define a tag again before a run: the plan follows the definition in force.
  if (plan === undefined || plan.def !== def) {
    plan = {
      def,
      shown: isFileExported(tag, showInternal) && !hasAnyFlag(def.flags, MetricFlag.NO_INDIVIDUAL_RECORDS),
      head: `${JSON.stringify(tag)}:{"value":`,
      tail: `,"unit":${JSON.stringify(def.displayUnit)}}`,
    };
    plans.set(tag, plan);
  }
  return plan;
}

/**
 * One record's metrics as the JSONL export shows them: display units, without aggregates that
 * mean nothing per request (NO_INDIVIDUAL_RECORDS) and without INTERNAL/EXPERIMENTAL ones.
 */
export function toDisplayValues(values: MetricValues, showInternal = false): Record<string, DisplayValue> {
  const out: Record<string, DisplayValue> = {};
  for (const tag in values) {
    const value = values[tag] as number | number[];
    const plan = linePlan(tag, showInternal);
    if (!plan.shown) continue;
    const { unit, displayUnit } = plan.def;
    out[tag] = {
      value: typeof value === "number" ? convertUnit(value, unit, displayUnit) : value.map((v) => convertUnit(v, unit, displayUnit)),
      unit: displayUnit,
    };
  }
  return out;
}

/**
 * `JSON.stringify(toDisplayValues(values, showInternal))`, written directly: no object per metric
 * and no stringify walk (together ~15 % of the records service's CPU per record). Tags are never
 * integer-like, so the keys keep their insertion order either way.
 */
export function displayValuesJson(values: MetricValues, showInternal = false): string {
  let out = "";
  for (const tag in values) {
    const value = values[tag] as number | number[];
    const plan = linePlan(tag, showInternal);
    if (!plan.shown) continue;
    const { unit, displayUnit } = plan.def;
    let text: string;
    if (typeof value === "number") text = jsonNumber(convertUnit(value, unit, displayUnit));
    else {
      text = "[";
      for (let i = 0; i < value.length; i++) text += (i === 0 ? "" : ",") + jsonNumber(convertUnit(value[i] as number, unit, displayUnit));
      text += "]";
    }
    out += (out === "" ? "" : ",") + plan.head + text + plan.tail;
  }
  return `{${out}}`;
}

/** A number as JSON.stringify writes it (NaN and infinities as null). */
function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : "null";
}
