/**
 * A run's export files found in its artifact directory whatever --profile-export-prefix named them,
 * for `aiperf plot` and `aiperf compare`. A run always writes its summary as a .json and .csv pair
 * (profile_export_aiperf.{json,csv}, or <prefix>.{json,csv}), so each such pair whose JSON is a
 * summary is one run; a directory holding two runs' files is reported, never guessed between.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_EXPORT_FILES, exportFileNames } from "./export-files.ts";

/** Absolute paths; a file the run did not write is undefined. */
export type RunFiles = {
  /** null: the default names. */
  prefix: string | null;
  summary: string | undefined;
  records: string | undefined;
  gpuTelemetry: string | undefined;
  serverMetrics: string | undefined;
};

type RunFilesFound = { kind: "none" } | { kind: "one"; files: RunFiles } | { kind: "several"; summaries: string[] };

/** Pairs that are not a run's summary: time slices and server metrics also come as .json + .csv. */
const NOT_A_SUMMARY = /(_timeslices|_server_metrics|^server_metrics_export)$/;
/** A summary JSON is small; anything bigger (an inputs.json) is not read to check. */
const MAX_SUMMARY_BYTES = 64 << 20;
const SERVER_METRICS_JSONL = "server_metrics_export.jsonl";

export function findRunFiles(dir: string): RunFilesFound {
  let names: Set<string>;
  try {
    names = new Set(readdirSync(dir));
  } catch {
    return { kind: "none" };
  }
  const at = (name: string): string | undefined => (names.has(name) ? join(dir, name) : undefined);
  const runs: RunFiles[] = [];
  const d = DEFAULT_EXPORT_FILES;
  if (names.has(d.json) || names.has(d.jsonl)) {
    runs.push({ prefix: null, summary: at(d.json), records: at(d.jsonl), gpuTelemetry: at(d.gpuTelemetry), serverMetrics: at(SERVER_METRICS_JSONL) });
  }
  for (const name of [...names].sort()) {
    if (!name.endsWith(".csv")) continue;
    const stem = name.slice(0, -4);
    if (`${stem}.csv` === d.csv || NOT_A_SUMMARY.test(stem)) continue;
    const f = exportFileNames(stem);
    if (!names.has(f.jsonl) && !names.has(f.json)) continue;
    if (names.has(f.json) && !isSummary(join(dir, f.json))) continue;
    runs.push({
      prefix: stem,
      summary: at(f.json),
      records: at(f.jsonl),
      gpuTelemetry: at(f.gpuTelemetry),
      serverMetrics: at(`${stem}_server_metrics.jsonl`) ?? at(SERVER_METRICS_JSONL),
    });
  }
  if (runs.length === 0) return { kind: "none" };
  if (runs.length > 1) return { kind: "several", summaries: runs.map((r) => (r.prefix === null ? d.json : `${r.prefix}.json`)) };
  return { kind: "one", files: runs[0] as RunFiles };
}

/** What to tell a user whose directory holds several runs. */
export function severalRunsMessage(dir: string, summaries: readonly string[]): string {
  return `${dir} holds the export files of ${summaries.length} runs (${summaries.join(", ")}), written under different --profile-export-prefix names; one directory is read as one run`;
}
export const SEVERAL_RUNS_HINT = "move each run's files into a directory of its own (or give each run its own --artifact-dir)";

function isSummary(path: string): boolean {
  try {
    if (statSync(path).size > MAX_SUMMARY_BYTES) return false;
    const doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return typeof doc === "object" && doc !== null && "schema_version" in doc;
  } catch {
    return false;
  }
}
