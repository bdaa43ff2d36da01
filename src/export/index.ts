/** Exports: artifact directory, CSV, JSON and JSONL files, and the console report. */
export { type ArtifactNameInput, artifactDirName, resolveArtifactDir } from "./artifact-dir.ts";
export {
  CANCELLED_NOTE,
  CONSOLE_STATS,
  type ConsoleReportInput,
  consoleMetricLabel,
  type FooterInput,
  metricsTitle,
  renderConsoleFooter,
  renderConsoleReport,
  renderConsoleTables,
  renderErrorTable,
  renderFooter,
  renderMetricsTable,
} from "./console-export.ts";
export { CSV_FILE_NAME, csvField, csvMetricName, csvNumber, renderCsvExport, writeCsvExport } from "./csv-export.ts";
export {
  buildJsonExport,
  JSON_FILE_NAME,
  JSON_METRIC_ORDER,
  type JsonExportInput,
  jsonMetric,
  renderJsonExport,
  writeJsonExport,
} from "./json-export.ts";
export { buildRecordLine, formatRecordLine, JSONL_FILE_NAME, JsonlWriter, type RecordLine } from "./jsonl-export.ts";
export { formatLocalIso } from "./local-time.ts";
export { formatCount, formatFixed, formatGrouped, formatInteger, pythonFloatRepr } from "./number-format.ts";
export { renderTable, type TableColumn, type TableSpec, textWidth, wrapText } from "./text-table.ts";
