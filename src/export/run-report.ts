/**
 * The run report: one object that the controller builds once from what the collectors return
 * (the records' summary, GPU telemetry, server metrics) and that is rendered once into
 * profile_export_aiperf.json, profile_export_aiperf.csv and the console text. No file is read
 * back or rewritten. Files that belong to one collector alone (the records' JSONL, the GPU and
 * server-metrics exports) are still written by that collector; the report lists them.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RecordsSummary } from "../protocol/records-summary.ts";
import { toDisplayResult } from "../metrics/index.ts";
import { renderConsoleFooter, renderConsoleTables } from "./console-export.ts";
import { renderCsvExport } from "./csv-export.ts";
import { renderGpuCsvSection } from "./gpu-csv-section.ts";
import { type RunInfo, renderJsonExport } from "./json-export.ts";

export type { RecordsSummary };

/** GPU telemetry's part: the telemetry_data block, the energy metrics, its console tables and files. */
export type GpuReport = {
  telemetry: Record<string, unknown> | null;
  energy: Record<string, { unit: string; avg: number }>;
  /** The CSV section's metrics (key in telemetry_data, header, unit) and the default platform. */
  csvFields: readonly { key: string; header: string; unit: string }[];
  platform: string;
  /** "" when the tables are not shown (telemetry not asked for by URL). */
  consoleText: string;
  files: string[];
};

/** A collector's console section and files (server metrics). */
export type SideReport = { consoleText: string; files: string[] };

export type RunReport = {
  paths: { json: string; csv: string; jsonl: string; log: string };
  endpointType: string;
  cliCommand: string;
  wasCancelled: boolean;
  inputConfig: Record<string, unknown>;
  resolvedConfig?: Record<string, unknown>;
  runInfo?: RunInfo;
  /** The profiling phase, epoch ns. */
  startNs: number | null;
  endNs: number | null;
  /** Absent: the records service could not summarise (lost, or the run stopped before it was set up). */
  records?: RecordsSummary;
  /** Without records: why (empty: only cancelled), how many were expected, whether the JSONL exists. */
  noRecords?: { reasons: string[]; expected: number | null; jsonlWritten: boolean };
  gpu?: GpuReport;
  serverMetrics?: SideReport;
  /** With worker nodes: each node's address, clock offset and its uncertainty, workers and requests (controller/cluster/). */
  nodes?: unknown[];
  /** The terminal's width, when known. */
  width?: number;
};

/** What rendering the report gives the caller: the console text (tables, sections, footer) and every file of the run. */
type RenderedReport = { consoleText: string; files: string[] };

/** A records metric's average as the JSON shows it (display units), or null. */
export function reportedAvg(records: RecordsSummary | undefined, tag: string): number | null {
  const r = records?.results.find((m) => m.tag === tag);
  const avg = r === undefined ? undefined : toDisplayResult(r).avg;
  return typeof avg === "number" ? avg : null;
}

export async function writeRunReport(report: RunReport): Promise<RenderedReport> {
  const { records, gpu } = report;
  await mkdir(dirname(report.paths.json), { recursive: true });
  await writeFile(report.paths.json, renderJsonExport(jsonInput(report)), "utf8");
  // Without records there is no metrics CSV; GPU telemetry still gets its section.
  const gpuCsv = gpu?.telemetry == null ? "" : renderGpuCsvSection(gpu.telemetry as Parameters<typeof renderGpuCsvSection>[0], gpu.csvFields, gpu.platform);
  const csvWritten = records !== undefined || gpu?.telemetry != null;
  if (csvWritten) await writeFile(report.paths.csv, (records === undefined ? "" : renderCsvExport(records.results)) + gpuCsv, "utf8");
  // The collectors' sections go between the records' and the footer, as upstream prints them.
  const side =
    (gpu === undefined || gpu.consoleText === "" ? "" : `\n${gpu.consoleText}`) +
    (report.serverMetrics === undefined || report.serverMetrics.consoleText === "" ? "" : `\n${report.serverMetrics.consoleText}`);
  const sideFiles = [...(gpu?.files ?? []), ...(report.serverMetrics?.files ?? [])];
  if (records === undefined) {
    const none = report.noRecords ?? { reasons: [], expected: null, jsonlWritten: false };
    const why = none.reasons.length === 0 ? "the run was stopped before any request was sent" : none.reasons.join("; ");
    const lines = [`No metrics: ${why}.`, none.jsonlWritten ? `Records written before that: ${report.paths.jsonl}` : "", `JSON Export: ${report.paths.json}`];
    const footer = `${lines.filter((l) => l !== "").join("\n")}\n`;
    return { consoleText: side + footer, files: [report.paths.json, ...(none.jsonlWritten ? [report.paths.jsonl] : []), ...sideFiles] };
  }
  const shown = {
    results: records.results,
    errorSummary: records.errorSummary,
    endpointType: report.endpointType,
    cliCommand: report.cliCommand,
    wasCancelled: report.wasCancelled,
    csvPath: report.paths.csv,
    jsonPath: report.paths.json,
    logPath: report.paths.log,
    ...(report.width === undefined ? {} : { width: report.width }),
  };
  const warning = records.incomplete.length === 0 ? "" : `Results are incomplete: ${records.incomplete.join("; ")}\n`;
  return {
    consoleText: renderConsoleTables(shown) + records.consoleText + side + renderConsoleFooter(shown) + warning,
    files: [report.paths.json, report.paths.csv, ...records.files, ...sideFiles],
  };
}

/** profile_export_aiperf.json's input: the records' summary, or none with the reason, then GPU telemetry's blocks. */
function jsonInput(report: RunReport): Parameters<typeof renderJsonExport>[0] {
  const { records, gpu } = report;
  const resolved = report.resolvedConfig === undefined ? {} : { resolved_config: report.resolvedConfig };
  const gpuBlocks = {
    ...(gpu === undefined ? {} : { ...gpu.energy, telemetry_data: gpu.telemetry }),
    ...(report.nodes === undefined ? {} : { nodes: report.nodes }),
  };
  const common = {
    inputConfig: report.inputConfig,
    ...(report.runInfo === undefined ? {} : { runInfo: report.runInfo }),
    wasCancelled: report.wasCancelled,
    startNs: report.startNs,
    endNs: report.endNs,
  };
  if (records !== undefined) {
    return {
      ...common,
      results: records.results,
      warmupResults: records.warmupResults,
      invalidReasons: [],
      errorSummary: records.errorSummary,
      blocks: { ...resolved, ...records.blocks, ...gpuBlocks },
    };
  }
  const none = report.noRecords;
  const incomplete =
    none === undefined || none.reasons.length === 0
      ? {}
      : { incomplete: { reasons: none.reasons, records_expected: none.expected, records_received: null, records_lost: null } };
  return { ...common, results: [], errorSummary: [], blocks: { ...resolved, ...incomplete, ...gpuBlocks } };
}
