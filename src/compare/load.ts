/**
 * The per-request values of a run directory (or of a directory of trial/run directories): every
 * profile_export.jsonl found there (or <prefix>.jsonl, whatever --profile-export-prefix named it),
 * its successful profiling requests' metrics by name.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { BenchError } from "../core/errors.ts";
import { JSONL_FILE_NAME } from "../export/jsonl-export.ts";
import { findRunFiles, SEVERAL_RUNS_HINT, severalRunsMessage } from "../export/run-files.ts";

export type RunSamples = {
  /** The directory given. */
  dir: string;
  /** The profile_export.jsonl files read, relative to `dir`. */
  files: string[];
  /** Successful profiling requests read (failed and warmup requests are left out). */
  requests: number;
  failed: number;
  /** Metric name → one value per request that has it (display units). */
  values: Map<string, number[]>;
  units: Map<string, string>;
};

/** Directories this deep are searched for trial runs (dir/sweep/trial/profile_export.jsonl). */
const MAX_DEPTH = 3;

function findExports(dir: string, depth: number): string[] {
  const here = findRunFiles(dir);
  if (here.kind === "several") throw new BenchError("CONFIG_INVALID", severalRunsMessage(dir, here.summaries), { hint: SEVERAL_RUNS_HINT });
  if (here.kind === "one") {
    if (here.files.records !== undefined) return [here.files.records];
    throw new BenchError("CONFIG_INVALID", `${dir} holds a run without per-request records (it was run with --export-level summary)`, {
      hint: "compare reads each request's values: rerun with --export-level records (the default) or raw",
    });
  }
  if (depth >= MAX_DEPTH) return [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const sub = join(dir, name);
    try {
      return statSync(sub).isDirectory() ? findExports(sub, depth + 1) : [];
    } catch {
      return [];
    }
  });
}

/** Reads a run (or set of runs); a missing directory, no export, or a malformed line is exit 2 with the path. */
export function loadRunSamples(dir: string): RunSamples {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BenchError("CONFIG_INVALID", `${dir} is not a directory`, { hint: "give the --artifact-dir of a profile run (or a directory of runs)" });
  const files = findExports(dir, 0);
  if (files.length === 0)
    throw new BenchError("CONFIG_INVALID", `No ${JSONL_FILE_NAME} in ${dir} (searched ${MAX_DEPTH} levels of subdirectories)`, {
      hint: "compare reads the per-request export a profile run writes into its --artifact-dir",
    });
  const samples: RunSamples = {
    dir,
    files: files.map((f) => relative(dir, f) || JSONL_FILE_NAME),
    requests: 0,
    failed: 0,
    values: new Map(),
    units: new Map(),
  };
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let record: SampleRecord;
      try {
        record = JSON.parse(line);
      } catch {
        throw new BenchError("CONFIG_INVALID", `${file}:${i + 1}: not a JSON line`, { hint: "the file is damaged or not a profile export; rerun the profile" });
      }
      addRecord(samples, record);
    });
  }
  return samples;
}

/** One line of profile_export.jsonl, as much of it as a comparison reads. */
type SampleRecord = { metadata?: { benchmark_phase?: string }; metrics?: Record<string, { value?: unknown; unit?: unknown }>; error?: unknown };

/** The same samples from records already in memory (the API's `report.records`); `label` stands for the directory. */
export function samplesOfRecords(label: string, records: readonly SampleRecord[]): RunSamples {
  const samples: RunSamples = { dir: label, files: [], requests: 0, failed: 0, values: new Map(), units: new Map() };
  for (const record of records) addRecord(samples, record);
  return samples;
}

function addRecord(samples: RunSamples, record: SampleRecord): void {
  if (record.metadata?.benchmark_phase !== undefined && record.metadata.benchmark_phase !== "profiling") return;
  if (record.error !== null && record.error !== undefined) {
    samples.failed++;
    return;
  }
  samples.requests++;
  for (const [name, metric] of Object.entries(record.metrics ?? {})) {
    if (typeof metric?.value !== "number" || !Number.isFinite(metric.value)) continue;
    let list = samples.values.get(name);
    if (list === undefined) samples.values.set(name, (list = []));
    list.push(metric.value);
    if (typeof metric.unit === "string") samples.units.set(name, metric.unit);
  }
}
