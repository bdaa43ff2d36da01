/**
 * server_metrics_export.json / .csv and the console lines. The CSV is long-form (one statistic
 * per row) because metric families differ in shape: a wide table would be mostly empty columns.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvField } from "../export/csv-export.ts";
import type { EndpointSummary, MetricSummary, SeriesSummary } from "./summarize.ts";

export const SERVER_METRICS_FILES = { json: "server_metrics_export.json", csv: "server_metrics_export.csv", jsonl: "server_metrics_export.jsonl" } as const;

/** JSON has no ±Inf/NaN: they become null rather than breaking the file. */
function finite(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

export function writeServerMetricsJson(dir: string, endpoints: EndpointSummary[]): string {
  const path = join(dir, SERVER_METRICS_FILES.json);
  writeFileSync(path, `${JSON.stringify({ schema_version: "1.0", endpoints }, finite, 2)}\n`);
  return path;
}

function labelText(labels: SeriesSummary["labels"]): string {
  return labels === undefined
    ? ""
    : Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(";");
}

function rowsOf(s: SeriesSummary): [string, number][] {
  const rows: [string, number][] = [];
  if (s.stats !== undefined) for (const [k, v] of Object.entries(s.stats)) rows.push([k, v]);
  for (const k of ["start", "end", "delta", "rate_per_s", "count_delta", "sum_delta", "mean"] as const) {
    const v = s[k];
    if (v !== undefined) rows.push([k, v]);
  }
  if (s.estimated_percentiles !== undefined) for (const [k, v] of Object.entries(s.estimated_percentiles)) rows.push([`${k}_estimated`, v]);
  if (s.buckets !== undefined) for (const [le, v] of Object.entries(s.buckets)) rows.push([`bucket_le_${le}`, v]);
  if (s.quantiles !== undefined) for (const [q, v] of Object.entries(s.quantiles)) rows.push([`quantile_${q}`, v]);
  return rows;
}

export function writeServerMetricsCsv(dir: string, endpoints: EndpointSummary[]): string {
  const path = join(dir, SERVER_METRICS_FILES.csv);
  const lines = ["Endpoint,Metric,Type,Labels,Stat,Value"];
  for (const e of endpoints) {
    for (const [name, m] of Object.entries(e.metrics)) {
      for (const s of m.series) {
        for (const [stat, v] of rowsOf(s))
          lines.push([e.endpoint_url, name, m.type, labelText(s.labels), stat, Number.isNaN(v) ? "" : String(v)].map(csvField).join(","));
      }
    }
  }
  writeFileSync(path, `${lines.join("\r\n")}\r\n`);
  return path;
}

/** The first family whose name matches, in the order given (vLLM names first, then SGLang/TRT-LLM/mock). */
function pick(e: EndpointSummary, patterns: RegExp[]): MetricSummary | undefined {
  for (const p of patterns) {
    const hit = Object.entries(e.metrics).find(([name]) => p.test(name));
    if (hit !== undefined) return hit[1];
  }
  return undefined;
}

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

/** A few lines per endpoint with what matters most about the server under load. */
export function serverMetricsConsoleText(endpoints: EndpointSummary[]): string {
  const lines: string[] = [];
  for (const e of endpoints) {
    lines.push(`Server metrics: ${e.endpoint_url} (${e.snapshots} snapshots${e.scrape_errors > 0 ? `, ${e.scrape_errors} failed scrapes` : ""})`);
    const gauge = (label: string, patterns: RegExp[], scale = 1, unit = ""): void => {
      const st = pick(e, patterns)?.series[0]?.stats;
      // The sample count says how much a short run's gauge figures can be trusted.
      if (st !== undefined) lines.push(`  ${label.padEnd(26)} avg ${fmt(st.avg * scale)}${unit}  max ${fmt(st.max * scale)}${unit}  (${st.count} samples)`);
    };
    const counter = (label: string, patterns: RegExp[]): void => {
      const m = pick(e, patterns);
      if (m === undefined || m.type !== "counter") return;
      const total = m.series.reduce((a, s) => a + (s.delta ?? 0), 0);
      const rate = m.series.reduce((a, s) => a + (s.rate_per_s ?? 0), 0);
      lines.push(`  ${label.padEnd(26)} ${fmt(total, 0)}  (${fmt(rate)}/s)`);
    };
    gauge("KV-cache usage", [/^vllm:(gpu_)?(kv_)?cache_usage_perc$/, /kv_cache_usage/, /token_usage/], 100, " %");
    gauge("Requests running", [/^vllm:num_requests_running$/, /num_running_reqs/, /requests_in_flight/]);
    gauge("Requests waiting", [/^vllm:num_requests_waiting$/, /num_queue_reqs/, /requests_waiting/]);
    counter("Requests finished", [/^vllm:request_success(_total)?$/, /requests_total$/]);
    counter("Prompt tokens", [/^vllm:prompt_tokens(_total)?$/, /prompt_tokens_total$/]);
    counter("Generation tokens", [/^vllm:generation_tokens(_total)?$/, /generation_tokens_total$/]);
    const ttft = pick(e, [/^vllm:time_to_first_token_seconds$/, /time_to_first_token_seconds$/])?.series[0];
    if (ttft?.mean !== undefined && ttft.count_delta !== undefined && ttft.count_delta > 0) {
      const p = ttft.estimated_percentiles;
      lines.push(
        `  ${"Server TTFT (ms)".padEnd(26)} mean ${fmt(ttft.mean * 1000)}${p === undefined ? "" : `  p50~${fmt(p.p50 * 1000)}  p99~${fmt(p.p99 * 1000)}`}`,
      );
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
