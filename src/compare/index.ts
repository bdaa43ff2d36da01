/** A/B comparison of runs (`aiperf compare`): load each side's per-request values, test, draw. */
export {
  type CompareOptions,
  type CompareResult,
  compareRuns,
  DEFAULT_METRICS,
  type Direction,
  directionOf,
  type MetricComparison,
  type RunSummary,
  type Verdict,
} from "./compare.ts";
export { loadRunSamples, type RunSamples, samplesOfRecords } from "./load.ts";
export { formatCompare } from "./table.ts";
