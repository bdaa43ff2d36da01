/**
 * `profile_export_aiperf.csv` (reference/aiperf-features.md §6.2): a section of record metrics
 * with every statistic, a blank line, then a `Metric,Value` section of scalar metrics; each
 * section sorted by tag, values in display units.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isFileExported, metricDef, STAT_KEYS, toDisplayResult } from "../metrics/index.ts";
import type { MetricResult } from "../metrics/index.ts";
import { formatFixed, formatInteger } from "./number-format.ts";

export const CSV_FILE_NAME = "profile_export_aiperf.csv";

/** Python's csv module ends rows with CRLF; upstream files have CRLF, so ours do too. */
const EOL = "\r\n";

/** Python csv QUOTE_MINIMAL: quote fields holding the delimiter, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** "Header (unit)"; units count/requests are left out ("Request Count", not "Request Count (requests)"). */
export function csvMetricName(tag: string): string {
  const def = metricDef(tag);
  const unit = def.displayUnit;
  return ["count", "requests"].includes(unit.toLowerCase()) ? def.header : `${def.header} (${unit})`;
}

/**
 * Integers as integers, everything else with two decimals. A value prints as an integer when the
 * metric's value is an int that no unit conversion touched (counts, token totals, timestamps):
 * upstream's intent. Its actual files print "10.00" because pydantic turns those ints into
 * floats; statistics of record metrics are float64 in upstream too and keep two decimals here.
 */
export function csvNumber(value: number | undefined, asInt: boolean): string {
  if (value === undefined) return "";
  return asInt && Number.isInteger(value) ? formatInteger(value) : formatFixed(value, 2);
}

function isScalar(result: MetricResult): boolean {
  return result.p50 === undefined;
}

/** The CSV text (empty string when there are no results). */
export function renderCsvExport(results: readonly MetricResult[], options: { showInternal?: boolean } = {}): string {
  const byTag = (a: MetricResult, b: MetricResult): number => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
  const exported = results.filter((r) => isFileExported(r.tag, options.showInternal)).map(toDisplayResult);
  const records = exported.filter((r) => !isScalar(r)).sort(byTag);
  const scalars = exported.filter(isScalar).sort(byTag);
  const rows: string[][] = [];
  if (records.length > 0) {
    rows.push(["Metric", ...STAT_KEYS]);
    for (const r of records) rows.push([csvMetricName(r.tag), ...STAT_KEYS.map((k) => csvNumber(r[k], false))]);
    if (scalars.length > 0) rows.push([]);
  }
  if (scalars.length > 0) {
    rows.push(["Metric", "Value"]);
    for (const r of scalars) {
      const def = metricDef(r.tag);
      const asInt = def.valueType === "int" && def.displayUnit === def.unit;
      rows.push([csvMetricName(r.tag), csvNumber(r.avg, asInt)]);
    }
  }
  return rows.map((row) => row.map(csvField).join(",") + EOL).join("");
}

export async function writeCsvExport(path: string, results: readonly MetricResult[], options: { showInternal?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderCsvExport(results, options), "utf8");
}
