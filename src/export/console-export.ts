/**
 * The end-of-run console report (reference/aiperf-features.md §6.3) as plain text: the metrics
 * table, the error summary table and the footer lines. Pure; the caller prints it.
 */
import { isConsoleShown, metricDef, toDisplayResult } from "../metrics/index.ts";
import type { ErrorSummaryEntry, MetricResult } from "../metrics/index.ts";
import { displayText } from "../core/safe-text.ts";
import { endpointCategory } from "../endpoints/capabilities.ts";
import { formatCount, formatFixed, formatGrouped } from "./number-format.ts";
import { renderedWidth, renderTable } from "./text-table.ts";
import { wrapHanging } from "../core/wrap.ts";

/** Console columns, in upstream's order (p50, not p75 as older READMEs show). */
export const CONSOLE_STATS = ["avg", "min", "max", "p99", "p90", "p50", "std"] as const;

const TITLES: Record<string, string> = {
  llm: "LLM Metrics",
  embeddings: "Embeddings Metrics",
  rankings: "Rankings Metrics",
  images: "Image Generation Metrics",
};

export function metricsTitle(endpointType: string): string {
  return `NVIDIA AIPerf | ${TITLES[endpointCategory(endpointType) ?? ""] ?? "Metrics"}`;
}

/** "Header (unit)", with the unit on its own line when the header is longer than 30 characters. */
export function consoleMetricLabel(tag: string): string {
  const def = metricDef(tag);
  return `${def.header}${def.header.length > 30 ? "\n" : " "}(${def.displayUnit})`;
}

/** Statistics left out, in this order, when the table is wider than the terminal (the CSV has them all). */
const DROP_ORDER = ["std", "min", "max", "p90", "p50", "p99"] as const;

/**
 * The metrics table, or null when no metric is shown (upstream then prints nothing). Narrower
 * than the table (`width`): the Metric column wraps first, then statistics are dropped (std, min,
 * max, p90, p50, as Rich drops what does not fit) and a note under the table names them.
 */
export function renderMetricsTable(results: readonly MetricResult[], endpointType: string, width = Number.POSITIVE_INFINITY): string | null {
  const shown = results
    .filter((r) => isConsoleShown(r.tag))
    .map((r, i) => ({ r: toDisplayResult(r), i, order: metricDef(r.tag).displayOrder ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.order - b.order || a.i - b.i);
  if (shown.length === 0) return null;
  const render = (stats: readonly string[]): string =>
    renderTable({
      title: metricsTitle(endpointType),
      columns: [{ header: "Metric", justify: "right", wrap: true, minWidth: 22 }, ...stats.map((key) => ({ header: key, justify: "right" as const }))],
      rows: shown.map(({ r }) => [
        consoleMetricLabel(r.tag),
        ...stats.map((key) => {
          const v = r[key as (typeof CONSOLE_STATS)[number]];
          return v === undefined ? "N/A" : formatGrouped(v);
        }),
      ]),
      ...(Number.isFinite(width) ? { maxWidth: width } : {}),
    });
  let stats: string[] = [...CONSOLE_STATS];
  let table = render(stats);
  for (const drop of DROP_ORDER) {
    if (renderedWidth(table) <= width || stats.length === 1) break;
    stats = stats.filter((s) => s !== drop);
    table = render(stats);
  }
  const dropped = DROP_ORDER.filter((s) => !stats.includes(s));
  if (dropped.length === 0) return table;
  return `${table}\n${wrapHanging(`(${dropped.join(", ")} left out to fit ${width} columns; profile_export_aiperf.csv has every statistic)`, width).join("\n")}`;
}

/** The error summary table, or null without errors. `maxWidth` wraps long messages. */
export function renderErrorTable(errors: readonly ErrorSummaryEntry[], maxWidth = 100): string | null {
  if (errors.length === 0) return null;
  return renderTable({
    title: "NVIDIA AIPerf | Error Summary",
    columns: [
      { header: "Code", justify: "right" },
      { header: "Type", justify: "right" },
      { header: "Message", justify: "left", wrap: true },
      { header: "Count", justify: "right" },
    ],
    // Upstream prints N/A for a falsy code or type (so code 0 too).
    // Type and message come from the server: escaped so its bytes never drive the terminal, on one line.
    rows: errors.map(({ error, count }) => [
      error.code ? String(error.code) : "N/A",
      error.type ? displayText(error.type, false) : "N/A",
      displayText(error.message, false),
      formatCount(count),
    ]),
    maxWidth,
  });
}

export type FooterInput = {
  cliCommand: string;
  /** Benchmark duration in seconds; the line is left out when there is none. */
  benchmarkDurationSec?: number;
  wasCancelled: boolean;
  /** Absolute paths. */
  csvPath: string;
  jsonPath: string;
  logPath: string;
};

export const CANCELLED_NOTE = "The profile run was cancelled early. Results shown may be incomplete or inaccurate.";

export function renderFooter(input: FooterInput): string {
  const lines = [`CLI Command: ${input.cliCommand}`];
  if (input.benchmarkDurationSec !== undefined) {
    const cancelled = input.wasCancelled ? " (cancelled early)" : "";
    lines.push(`Benchmark Duration: ${formatFixed(input.benchmarkDurationSec)} sec${cancelled}`);
  }
  lines.push(`CSV Export: ${input.csvPath}`, `JSON Export: ${input.jsonPath}`, `Log File: ${input.logPath}`);
  if (input.wasCancelled) lines.push(CANCELLED_NOTE);
  return lines.join("\n");
}

export type ConsoleReportInput = Omit<FooterInput, "benchmarkDurationSec"> & {
  results: readonly MetricResult[];
  errorSummary: readonly ErrorSummaryEntry[];
  endpointType: string;
  /** Terminal width: the tables fit it (absent: the metrics table at full width, errors at 100). */
  width?: number;
};

/** The tables printed after a run (metrics, then errors), each after two newlines. */
export function renderConsoleTables(input: ConsoleReportInput): string {
  const parts: string[] = [];
  const metrics = renderMetricsTable(input.results, input.endpointType, input.width);
  if (metrics) parts.push(`\n\n${metrics}\n`);
  const errors = renderErrorTable(input.errorSummary, input.width ?? 100);
  if (errors) parts.push(`\n\n${errors}\n`);
  return parts.join("");
}

/** The footer after the tables: a blank line, the footer lines, a blank line. */
export function renderConsoleFooter(input: ConsoleReportInput): string {
  const duration = input.results.find((r) => r.tag === "benchmark_duration");
  const benchmarkDurationSec = duration ? toDisplayResult(duration).avg : undefined;
  return `\n${renderFooter({ ...input, benchmarkDurationSec })}\n\n`;
}

/**
 * Everything printed after a run, laid out as upstream prints it: each table after two newlines,
 * a blank line, the footer, a blank line. Ends with a newline.
 */
export function renderConsoleReport(input: ConsoleReportInput): string {
  return renderConsoleTables(input) + renderConsoleFooter(input);
}
