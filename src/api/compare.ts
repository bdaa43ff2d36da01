/**
 * `compareRuns(base, next, options)`: `aiperf compare` as a function, for an A/B gate in a test.
 * Each side is an artifact directory (or a directory of runs), or a report from
 * `profile({ records: true })`.
 */
import { type CompareOptions, type CompareResult, compareRuns as compareSamples, loadRunSamples, type RunSamples, samplesOfRecords } from "../compare/index.ts";
import { BenchError } from "../core/errors.ts";
import type { ProfileReport } from "./profile.ts";

export type { CompareOptions, CompareResult, MetricComparison, Verdict } from "../compare/index.ts";

export function compareRuns(base: string | ProfileReport, next: string | ProfileReport, options: CompareOptions = {}): CompareResult {
  return compareSamples(samplesOf(base, "base"), samplesOf(next, "new"), options);
}

function samplesOf(side: string | ProfileReport, name: string): RunSamples {
  if (typeof side === "string") return loadRunSamples(side);
  if (side.records === undefined)
    throw new BenchError("CONFIG_INVALID", `compareRuns: the ${name} report has no per-request records`, {
      hint: "run it with profile({ …, records: true }), or give its artifactDir",
    });
  return samplesOfRecords(side.artifactDir ?? `${name} report`, side.records);
}
