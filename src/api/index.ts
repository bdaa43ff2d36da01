/**
 * The package's door for code: `import { profile, startMockServer, checkSla } from "aiperf-bun"`.
 * Everything here is what the CLI does, as functions; nothing below imports from here.
 */
export { profile, type MetricStats, type MetricTag, type ProfileReport, type RunOutcome } from "./profile.ts";
export { optionNames, type ProfileOptions, type ProfileProgress, type RunControls } from "./options.ts";
export { startMockServer, type MockServerHandle, type MockServerOptions } from "./mock-server.ts";
export { checkSla, type Sla, type SlaStat, type SlaViolation } from "./sla.ts";
export { type CompareOptions, type CompareResult, compareRuns, type MetricComparison, type Verdict } from "./compare.ts";
export { BenchError as AiperfError, type BenchErrorCode as AiperfErrorCode, EXIT_CODES } from "../core/errors.ts";
export type { RecordLine } from "../export/jsonl-export.ts";
export type {
  Captured,
  CaptureFn,
  CaptureRequest,
  DatasetFormatPlugin,
  DerivedMetric,
  Endpoint,
  LoaderContext,
  Piece,
  Plugin,
  PluginHost,
  PluginMetric,
  PluginModule,
  RecordMetric,
  TransportPlugin,
} from "../plugins/api.ts";
