/**
 * Names of the export files (upstream's artifacts config): without a prefix the summary files are
 * profile_export_aiperf.{json,csv} and the detailed ones profile_export{.jsonl,_raw.jsonl};
 * `--profile-export-prefix foo` renames every one of them to foo.json, foo.csv, foo.jsonl,
 * foo_raw.jsonl, foo_timeslices.{json,csv}, foo_gpu_telemetry.jsonl and foo_outputs.json (upstream's
 * current json-export-schema.md: "With --profile-export-prefix foo the file is named foo_outputs.json").
 */
import { join } from "node:path";
import type { ExportLevel } from "../protocol/export-plan.ts";

export { EXPORT_LEVELS, type ExportLevel } from "../protocol/export-plan.ts";

/** Base names (no directory) of every file the records service may write. */
type ExportFileNames = {
  json: string;
  csv: string;
  jsonl: string;
  raw: string;
  timeslicesJson: string;
  timeslicesCsv: string;
  outputs: string;
  gpuTelemetry: string;
};

export const DEFAULT_EXPORT_FILES: ExportFileNames = {
  json: "profile_export_aiperf.json",
  csv: "profile_export_aiperf.csv",
  jsonl: "profile_export.jsonl",
  raw: "profile_export_raw.jsonl",
  timeslicesJson: "profile_export_aiperf_timeslices.json",
  timeslicesCsv: "profile_export_aiperf_timeslices.csv",
  outputs: "outputs.json",
  gpuTelemetry: "gpu_telemetry_export.jsonl",
};

/** A prefix given as a file name ("foo.json") is taken as its stem, as upstream does. */
function exportPrefixStem(prefix: string): string {
  return prefix.replace(/(_raw)?\.(jsonl|json|csv)$/i, "");
}

export function exportFileNames(prefix?: string): ExportFileNames {
  if (prefix === undefined) return DEFAULT_EXPORT_FILES;
  const stem = exportPrefixStem(prefix);
  return {
    json: `${stem}.json`,
    csv: `${stem}.csv`,
    jsonl: `${stem}.jsonl`,
    raw: `${stem}_raw.jsonl`,
    timeslicesJson: `${stem}_timeslices.json`,
    timeslicesCsv: `${stem}_timeslices.csv`,
    outputs: `${stem}_outputs.json`,
    gpuTelemetry: `${stem}_gpu_telemetry.jsonl`,
  };
}

/** The same names under `dir`. */
export function exportFilePaths(dir: string, names: ExportFileNames): ExportFileNames {
  const out = {} as ExportFileNames;
  for (const [k, v] of Object.entries(names)) out[k as keyof ExportFileNames] = join(dir, v);
  return out;
}

/**
 * What the records service is told to write (RecordsConfig.exports). `outputsJson`: raw implies
 * it unless turned off, as upstream.
 */
export type ExportPlan = { files: ExportFileNames; level: ExportLevel; outputsJson: boolean; sliceDurationSec: number | null };
