/**
 * report.html: one file with uPlot, its stylesheet, our drawing script and the data inlined.
 * A Content-Security-Policy forbids any fetch, so the page works offline and cannot leak.
 */
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import reportJs from "./assets/report.js" with { type: "text" };
import type { ChartSpec } from "./chart-spec.ts";
import type { MetricStats, RunData } from "./load-run.ts";
import { loadAxis } from "./charts-compare.ts";
import { round } from "./series.ts";

export type Theme = "light" | "dark";

type ReportPage = { runs: { run: RunData; charts: ChartSpec[] }[]; compare: ChartSpec[]; theme: Theme; generatedAt: string; version: string };

const SHOWN_METRICS = [
  "request_throughput",
  "output_token_throughput",
  "output_token_throughput_per_user",
  "time_to_first_token",
  "time_to_second_token",
  "inter_token_latency",
  "request_latency",
  "input_sequence_length",
  "output_sequence_length",
  "send_lag",
  "intended_time_to_first_token",
  "intended_request_latency",
  "request_count",
  "error_request_count",
  "benchmark_duration",
];
const STAT_KEYS = ["avg", "min", "p50", "p90", "p99", "max"];

export function renderReport(page: ReportPage): string {
  const charts = [...page.compare, ...page.runs.flatMap((r) => r.charts)];
  const title = page.runs.length === 1 ? `AIPerf report: ${page.runs[0]!.run.label}` : `AIPerf report: ${page.runs.length} runs`;
  const body: string[] = [
    `<header><h1>${esc(title)}</h1><p class="meta">Generated ${esc(page.generatedAt)} by aiperf ${esc(page.version)} from ${page.runs.map((r) => `<code>${esc(r.run.dir)}</code>`).join(", ")}</p></header>`,
  ];
  if (page.runs.length > 1) {
    body.push(`<section><h2>Runs compared</h2>${compareTable(page.runs.map((r) => r.run))}</section>`);
    body.push(sectionsOf(page.compare));
  }
  for (const { run, charts: rc } of page.runs) {
    body.push(
      `<section class="run"><h2>${page.runs.length > 1 ? "Run: " : ""}${esc(run.label)}</h2>${verdictBox(run)}${metricsTable(run)}${errorTable(run)}${configBlock(run)}</section>`,
    );
    body.push(sectionsOf(rc));
  }
  // "<" escaped so no text in the data (an error message, a label) can close the script element.
  const json = JSON.stringify({ charts }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en" data-theme="${page.theme}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${uplotCss}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
${body.join("\n")}
<script id="report-data" type="application/json">${json}</script>
<script>${uplotJs}</script>
<script>${reportJs}</script>
</body>
</html>
`;
}

function sectionsOf(charts: ChartSpec[]): string {
  const out: string[] = [];
  let section = "";
  for (const c of charts) {
    if (c.section !== section) {
      if (section !== "") out.push("</div>");
      section = c.section;
      out.push(`<h3>${esc(section)}</h3><div class="grid">`);
    }
    out.push(
      `<figure data-chart="${esc(c.id)}"><figcaption>${esc(c.title)}</figcaption><div class="plot"></div>${c.note === undefined ? "" : `<p class="note">${esc(c.note)}</p>`}</figure>`,
    );
  }
  if (section !== "") out.push("</div>");
  return out.join("\n");
}

function verdictBox(run: RunData): string {
  const v = run.verdict;
  const parts: string[] = [];
  if (v === undefined) parts.push(`<div class="verdict unknown">Run validity: not recorded in this export</div>`);
  else if (!v.judged) parts.push(`<div class="verdict unknown">Run validity: not judged (no request succeeded)</div>`);
  else if (v.valid) parts.push(`<div class="verdict ok">Valid run: the client kept up with the load</div>`);
  else parts.push(`<div class="verdict bad">Run invalid: the client was the bottleneck<ul>${v.reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul></div>`);
  if (run.wasCancelled) parts.push(`<div class="verdict bad">The run was cancelled: partial results</div>`);
  if (run.badLines > 0) parts.push(`<div class="verdict bad">${run.badLines} line(s) of the JSONL exports were not valid records and were skipped</div>`);
  return parts.join("");
}

function fmt(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "" : round(x).toLocaleString("en-US", { maximumFractionDigits: 3 });
}

function metricsTable(run: RunData): string {
  const rows = SHOWN_METRICS.map((tag) => [tag, run.metrics[tag]] as const).filter((r): r is readonly [string, MetricStats] => r[1] !== undefined);
  if (rows.length === 0) return `<p>No summary metrics (${esc("profile_export_aiperf.json")} missing).</p>`;
  const head = `<tr><th>Metric</th><th>Unit</th>${STAT_KEYS.map((k) => `<th>${k}</th>`).join("")}</tr>`;
  const body = rows.map(([tag, s]) => `<tr><td>${esc(tag)}</td><td>${esc(s.unit)}</td>${STAT_KEYS.map((k) => `<td>${fmt(s[k])}</td>`).join("")}</tr>`).join("");
  return `<table class="metrics">${head}${body}</table>`;
}

function errorTable(run: RunData): string {
  if (run.errorSummary.length === 0) return "";
  return `<table class="errors"><tr><th>Error</th><th>Count</th></tr>${run.errorSummary.map((e) => `<tr><td>${esc(e.type)}</td><td>${fmt(e.count)}</td></tr>`).join("")}</table>`;
}

function configBlock(run: RunData): string {
  if (run.config.length === 0) return "";
  return `<details><summary>Configuration (${run.config.length} settings)</summary><table class="config">${run.config.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v.length > 200 ? `${v.slice(0, 200)}…` : v)}</td></tr>`).join("")}</table></details>`;
}

function compareTable(runs: RunData[]): string {
  const axis = loadAxis(runs);
  const cols: [string, (r: RunData) => string][] = [
    ["Run", (r) => esc(r.label)],
    ...(axis === undefined ? [] : [[`${axis.label} (${axis.unit})`, (r: RunData) => fmt(axis.values[runs.indexOf(r)])] as [string, (r: RunData) => string]]),
    ["Requests/s", (r) => fmt(r.metrics.request_throughput?.avg)],
    ["Output tokens/s", (r) => fmt(r.metrics.output_token_throughput?.avg)],
    ["Tokens/s/user", (r) => fmt(r.metrics.output_token_throughput_per_user?.avg)],
    ["TTFT p50 / p99 (ms)", (r) => `${fmt(r.metrics.time_to_first_token?.p50)} / ${fmt(r.metrics.time_to_first_token?.p99)}`],
    ["ITL p50 / p99 (ms)", (r) => `${fmt(r.metrics.inter_token_latency?.p50)} / ${fmt(r.metrics.inter_token_latency?.p99)}`],
    ["Latency p99 (ms)", (r) => fmt(r.metrics.request_latency?.p99)],
    ["Errors", (r) => fmt(r.metrics.error_request_count?.avg ?? 0)],
    ["Valid", (r) => (r.verdict === undefined || !r.verdict.judged ? "?" : r.verdict.valid ? "yes" : "no")],
  ];
  return `<table class="compare"><tr>${cols.map(([h]) => `<th>${esc(h)}</th>`).join("")}</tr>${runs.map((r) => `<tr>${cols.map(([, f]) => `<td>${f(r)}</td>`).join("")}</tr>`).join("")}</table>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_CSS = `
:root { --bg: #fff; --fg: #222; --muted: #666; --line: #ddd; --ok: #e6f4ea; --bad: #fde8e8; }
[data-theme=dark] { --bg: #1e2128; --fg: #d8dee9; --muted: #9aa3b2; --line: #3b4252; --ok: #23402c; --bad: #4a2326; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 0 16px 40px; max-width: 1400px; background: var(--bg); color: var(--fg); }
h1 { font-size: 22px; margin: 16px 0 4px; } h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
.meta, .note { color: var(--muted); font-size: 12px; } .note { margin: 2px 0 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; } td, th { border: 1px solid var(--line); padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; } table.config td { text-align: left; font-family: ui-monospace, monospace; font-size: 12px; }
.verdict { padding: 6px 10px; margin: 8px 0; border-radius: 4px; } .verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); } .verdict.unknown { background: var(--line); }
.verdict ul { margin: 4px 0 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 12px 20px; }
figure { margin: 0; min-width: 0; } figcaption { font-weight: 600; margin-bottom: 2px; }
.uplot { font-family: inherit; } .u-legend { font-size: 12px; }
body.only { max-width: none; padding: 8px 16px; } body.only > :not(.grid) { display: none; } body.only .grid { display: block; }
body.only figure:not(.shown) { display: none; } body.only .grid:not(:has(figure.shown)) { display: none; }
`;
