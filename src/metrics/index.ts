/** Metrics: the v0.1.1 catalogue, per-record computation, statistics and the run summary. */
export { type MetricDef, type MetricKind, METRICS, findMetric, metricDef, isApplicable, type RunShape } from "./catalogue.ts";
export { createMetricContext, GoodputConfigError, type GoodputSlo, type MetricContext, type MetricContextInput } from "./context.ts";
export { type DerivedInputs, deriveMetrics } from "./derived.ts";
export { type DisplayValue, displayValuesJson, isConsoleShown, isFileExported, toDisplayResult, toDisplayValues } from "./display.ts";
export { hasAnyFlag, hasFlags, MetricFlag } from "./flags.ts";
export {
  computeRecordMetrics,
  INVALID_RESULTS_ERROR,
  isValidRecord,
  type MetricValues,
  type RecordMetrics,
  requestEndNs,
  toWallNs,
} from "./record-metrics.ts";
export {
  Float64Series,
  pairwiseSum,
  percentile,
  percentileOfSorted,
  PERCENTILES,
  populationStd,
  type SeriesStats,
  STAT_KEYS,
  type StatKey,
  summarizeSeries,
} from "./stats.ts";
export {
  type DurationFilter,
  type ErrorSummaryEntry,
  isWithinDuration,
  type MetricResult,
  type ProfileSummary,
  SummaryBuilder,
  type SummaryOptions,
} from "./summary.ts";
export { convertUnit, type MetricUnit, nsToSec } from "./units.ts";
