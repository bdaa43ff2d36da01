/**
 * `--slice-duration`: the profiling phase cut into fixed windows, metrics per window, written as
 * profile_export_aiperf_timeslices.json (`timeslices: [{timeslice_index, <tag>: {...}}]` plus
 * input_config, upstream's TimesliceCollectionExportData) and a tidy CSV
 * (`Timeslice,Metric,Unit,Stat,Value`, one row per statistic, as upstream's timeslice CSV).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isFileExported, metricDef, STAT_KEYS, toDisplayResult } from "../metrics/index.ts";
import type { MetricResult } from "../metrics/index.ts";
import { csvField, csvNumber } from "./csv-export.ts";
import { jsonMetric } from "./json-export.ts";

/** One window's results; index 0 starts at the profiling start. */
export type Timeslice = { index: number; results: readonly MetricResult[] };

/** Window of a request that started `offsetNs` after the profiling start (before it: window 0). */
export function timesliceIndex(offsetNs: number, sliceSec: number): number {
  return Math.max(0, Math.floor(offsetNs / (sliceSec * 1e9)));
}

export function buildTimesliceJson(slices: readonly Timeslice[], inputConfig: unknown): Record<string, unknown> {
  const timeslices = slices.map((s) => {
    const entry: Record<string, unknown> = { timeslice_index: s.index };
    const tags = s.results.filter((r) => isFileExported(r.tag)).sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    for (const r of tags) entry[r.tag] = jsonMetric(r);
    return entry;
  });
  return { timeslices, input_config: inputConfig ?? null };
}

export function renderTimesliceCsv(slices: readonly Timeslice[]): string {
  const rows: string[][] = [["Timeslice", "Metric", "Unit", "Stat", "Value"]];
  for (const s of [...slices].sort((a, b) => a.index - b.index)) {
    const shown = s.results
      .filter((r) => isFileExported(r.tag))
      .map(toDisplayResult)
      .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    for (const r of shown) {
      const def = metricDef(r.tag);
      const scalar = r.p50 === undefined;
      const asInt = scalar && def.valueType === "int" && def.displayUnit === def.unit;
      for (const stat of STAT_KEYS) {
        const v = r[stat];
        if (v !== undefined) rows.push([String(s.index), def.header, r.unit, stat, csvNumber(v, asInt)]);
      }
    }
  }
  return rows.map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}

export async function writeTimesliceExports(jsonPath: string, csvPath: string, slices: readonly Timeslice[], inputConfig: unknown): Promise<void> {
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, JSON.stringify(buildTimesliceJson(slices, inputConfig), null, 2), "utf8");
  await writeFile(csvPath, renderTimesliceCsv(slices), "utf8");
}
