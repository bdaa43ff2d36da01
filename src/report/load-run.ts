/**
 * One artifact directory read back for the report: the summary JSON (metrics by tag, verdict,
 * config, read defensively so older and newer export shapes both work), every profiling record
 * of profile_export.jsonl as columns, and the server-metrics / GPU telemetry timelines.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { forEachLine } from "./lines.ts";
import { findRunFiles, type RunFiles, SEVERAL_RUNS_HINT, severalRunsMessage } from "../export/run-files.ts";

const SUMMARY_FILE = "profile_export_aiperf.json";
const RECORDS_FILE = "profile_export.jsonl";

/** A metric's block in the summary JSON: unit plus avg/min/max/pNN/std where they apply. */
export type MetricStats = { unit: string } & Record<string, number | undefined>;

type Verdict = { valid: boolean; judged: boolean; reasons: string[] };

/** Per-request columns; NaN where a record has no value (an error, a non-streaming run). */
type RecordColumns = {
  start: number[]; // seconds from the first request's start
  end: number[];
  latency: number[]; // ms
  ttft: number[];
  itl: number[];
  sendLag: number[];
  intendedLatency: number[];
  intendedTtft: number[];
  outputTokens: number[];
  error: (string | null)[]; // error type, or null for a success
};

/** Inter-chunk latency per output position (1 = between chunk 1 and 2), over every record. */
type PositionStats = { mean: number[]; min: number[]; max: number[]; count: number[] };

type Timeline = { label: string; t: number[]; v: number[] };
export type ServerSeries = { name: string; kind: "gauge" | "counter"; series: Timeline[] };
export type GpuSeries = { gpu: string; t: number[]; power: number[]; util: number[]; memUsed: number[]; temp: number[] };

export type RunData = {
  dir: string;
  label: string;
  metrics: Record<string, MetricStats>;
  config: [string, string][];
  concurrency: number | undefined;
  requestRate: number | undefined;
  verdict: Verdict | undefined;
  wasCancelled: boolean;
  errorSummary: { type: string; count: number }[];
  records: RecordColumns;
  positions: PositionStats;
  /** Units of the per-request metrics as the records state them. */
  units: Record<string, string>;
  server: ServerSeries[];
  gpus: GpuSeries[];
  /** Lines of the JSONL files that were not JSON: counted and reported, never silently dropped. */
  badLines: number;
};

export class ArtifactError extends Error {}

/** Most output positions tracked for the ITL-by-position view (longer outputs fold into the last). */
const MAX_POSITIONS = 4096;

/** The run's files under any --profile-export-prefix; none, or two runs' files, is an ArtifactError. */
function runFilesOf(dirArg: string, dir: string): RunFiles {
  const found = findRunFiles(dir);
  if (found.kind === "several") throw new ArtifactError(`${severalRunsMessage(dirArg, found.summaries)}: ${SEVERAL_RUNS_HINT}`);
  if (found.kind === "none")
    throw new ArtifactError(`${dirArg} holds no ${SUMMARY_FILE} or ${RECORDS_FILE} (nor a --profile-export-prefix <name>.json/.csv pair)`);
  return found.files;
}

export function loadRun(dirArg: string): RunData {
  const dir = resolve(dirArg);
  const files = runFilesOf(dirArg, dir);
  const recordsPath = files.records;
  const summary = files.summary !== undefined ? readSummary(files.summary) : {};
  const metrics: Record<string, MetricStats> = {};
  for (const [tag, value] of Object.entries(summary)) if (isStats(value)) metrics[tag] = value;
  const inputConfig = asObject(summary.input_config);
  const runInfo = asObject(summary.run_info);
  const records = emptyColumns();
  const positions: PositionStats = { mean: [], min: [], max: [], count: [] };
  const units: Record<string, string> = {};
  let badLines = 0;
  let t0 = Number.POSITIVE_INFINITY;
  if (recordsPath !== undefined) {
    const sums: number[] = [];
    forEachLine(recordsPath, (line) => {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        badLines++;
        return;
      }
      const meta = asObject(asObject(rec).metadata);
      if (meta.benchmark_phase !== undefined && meta.benchmark_phase !== "profiling") return;
      const startNs = num(meta.request_start_ns);
      const endNs = num(meta.request_end_ns);
      if (!Number.isFinite(startNs)) return void badLines++;
      const m = asObject(asObject(rec).metrics);
      const err = asObject(rec).error;
      const error = err === null || err === undefined ? null : String(asObject(err).type ?? asObject(err).code ?? "error");
      t0 = Math.min(t0, startNs);
      // The chunk array is folded into per-position sums here, not kept per record.
      const icl = asObject(m.inter_chunk_latency).value;
      if (Array.isArray(icl)) {
        for (let i = 0; i < icl.length; i++) {
          const x = num(icl[i]);
          if (!Number.isFinite(x)) continue;
          const p = Math.min(i, MAX_POSITIONS - 1);
          if (positions.count[p] === undefined) {
            for (let k = positions.count.length; k <= p; k++) {
              positions.count.push(0);
              sums.push(0);
              positions.min.push(Number.POSITIVE_INFINITY);
              positions.max.push(Number.NEGATIVE_INFINITY);
            }
          }
          positions.count[p]!++;
          sums[p]! += x;
          if (x < positions.min[p]!) positions.min[p] = x;
          if (x > positions.max[p]!) positions.max[p] = x;
        }
      }
      for (const [tag, value] of Object.entries(m)) {
        const unit = asObject(value).unit;
        if (units[tag] === undefined && typeof unit === "string") units[tag] = unit;
      }
      // Straight into columns (absolute ns for now): no object kept per record.
      records.start.push(startNs);
      records.end.push(endNs);
      records.latency.push(val(m.request_latency));
      records.ttft.push(val(m.time_to_first_token));
      records.itl.push(val(m.inter_token_latency));
      records.sendLag.push(val(m.send_lag));
      records.intendedLatency.push(val(m.intended_request_latency));
      records.intendedTtft.push(val(m.intended_time_to_first_token));
      records.outputTokens.push(val(m.output_sequence_length));
      records.error.push(error);
    });
    positions.mean = sums.map((s, i) => s / positions.count[i]!);
    sortByStart(records, t0);
  }
  if (!Number.isFinite(t0)) t0 = num(asObject(summary.min_request_timestamp).avg);
  const server = files.serverMetrics !== undefined ? readServer(files.serverMetrics, t0, () => badLines++) : [];
  const gpus = files.gpuTelemetry !== undefined ? readGpus(files.gpuTelemetry, t0, () => badLines++) : [];
  const verdictRaw = asObject(summary.run_validity);
  const verdict =
    typeof verdictRaw.valid === "boolean"
      ? { valid: verdictRaw.valid, judged: verdictRaw.judged !== false, reasons: Array.isArray(verdictRaw.reasons) ? verdictRaw.reasons.map(String) : [] }
      : undefined;
  const concurrency = findNumber(inputConfig, ["concurrency"]);
  const requestRate = findNumber(inputConfig, ["requestRate", "request_rate"]);
  const runLabel = typeof runInfo.run_label === "string" && runInfo.run_label !== "run_0001" ? runInfo.run_label : basename(dir);
  return {
    dir,
    label: runLabel,
    metrics,
    config: flatten(inputConfig),
    concurrency,
    requestRate,
    verdict,
    wasCancelled: summary.was_cancelled === true,
    errorSummary: Array.isArray(summary.error_summary)
      ? summary.error_summary.map((e) => ({ type: errorType(asObject(e).error_details), count: num(asObject(e).count) }))
      : [],
    records,
    positions,
    units,
    server,
    gpus,
    badLines,
  };
}

function readSummary(path: string): Record<string, unknown> {
  try {
    return asObject(JSON.parse(readFileSync(path, "utf8")));
  } catch (error) {
    throw new ArtifactError(`${path} is not valid JSON (${(error as Error).message})`);
  }
}

/** Server metrics: gauges as values, counters (`_total`) as per-second rates between snapshots. */
function readServer(path: string, t0: number, bad: () => void): ServerSeries[] {
  const byName = new Map<string, { kind: "gauge" | "counter"; series: Map<string, Timeline> }>();
  forEachLine(path, (line) => {
    let snap: Record<string, unknown>;
    try {
      snap = asObject(JSON.parse(line));
    } catch {
      return bad();
    }
    const t = (num(snap.timestamp_ns) - t0) / 1e9;
    if (!Number.isFinite(t)) return;
    const endpoint = typeof snap.endpoint_url === "string" ? snap.endpoint_url : "";
    for (const [name, samples] of Object.entries(asObject(snap.metrics))) {
      if (!Array.isArray(samples)) continue;
      for (const s of samples) {
        const value = num(asObject(s).value);
        if (!Number.isFinite(value)) continue; // histograms and summaries: not drawn as lines
        const labels = Object.entries(asObject(asObject(s).labels))
          .map(([k, x]) => `${k}=${String(x)}`)
          .join(",");
        const key = `${endpoint} ${labels}`;
        const entry = byName.get(name) ?? { kind: /_total$/.test(name) ? "counter" : "gauge", series: new Map() };
        byName.set(name, entry);
        const tl = entry.series.get(key) ?? { label: labels === "" ? shortUrl(endpoint) : `${shortUrl(endpoint)} ${labels}`, t: [], v: [] };
        entry.series.set(key, tl);
        tl.t.push(t);
        tl.v.push(value);
      }
    }
  });
  const out: ServerSeries[] = [];
  for (const [name, entry] of byName) {
    const series = [...entry.series.values()].map((tl) => (entry.kind === "counter" ? rates(tl) : tl));
    out.push({ name, kind: entry.kind, series });
  }
  return out;
}

function rates(tl: Timeline): Timeline {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 1; i < tl.t.length; i++) {
    const dt = tl.t[i]! - tl.t[i - 1]!;
    if (dt <= 0) continue;
    t.push(tl.t[i]!);
    v.push(Math.max(0, tl.v[i]! - tl.v[i - 1]!) / dt); // a counter reset reads as 0, not negative
  }
  return { label: tl.label, t, v };
}

/** GPU telemetry lines; metric names with or without a vendor prefix (nvidia_, amd_) both match. */
function readGpus(path: string, t0: number, bad: () => void): GpuSeries[] {
  const gpus = new Map<string, GpuSeries>();
  forEachLine(path, (line) => {
    let rec: Record<string, unknown>;
    try {
      rec = asObject(JSON.parse(line));
    } catch {
      return bad();
    }
    const t = (num(rec.timestamp_ns) - t0) / 1e9;
    if (!Number.isFinite(t)) return;
    const key = `${shortUrl(String(rec.dcgm_url ?? ""))} gpu ${String(rec.gpu_index ?? rec.gpu_uuid ?? "?")}`;
    const g = gpus.get(key) ?? { gpu: key, t: [], power: [], util: [], memUsed: [], temp: [] };
    gpus.set(key, g);
    const d = asObject(rec.telemetry_data);
    const find = (suffix: string): number => {
      for (const [k, x] of Object.entries(d)) if (k === suffix || k.endsWith(`_${suffix}`)) return num(x);
      return Number.NaN;
    };
    g.t.push(t);
    g.power.push(find("power_usage"));
    g.util.push(find("gpu_utilization"));
    g.memUsed.push(find("memory_used"));
    g.temp.push(find("gpu_temperature"));
  });
  return [...gpus.values()];
}

function emptyColumns(): RecordColumns {
  return { start: [], end: [], latency: [], ttft: [], itl: [], sendLag: [], intendedLatency: [], intendedTtft: [], outputTokens: [], error: [] };
}

/** Records arrive in completion order: reorder every column by start time, in seconds from t0. */
function sortByStart(c: RecordColumns, t0: number): void {
  const order = c.start.map((_, i) => i).sort((a, b) => c.start[a]! - c.start[b]!);
  const cols = c as unknown as Record<string, unknown[]>;
  for (const key of Object.keys(cols)) {
    const col = cols[key]!;
    cols[key] = order.map((i) => col[i]);
  }
  c.start = c.start.map((x) => (x - t0) / 1e9);
  c.end = c.end.map((x) => (Number.isFinite(x) ? (x - t0) / 1e9 : Number.NaN));
}

function val(x: unknown): number {
  return num(asObject(x).value);
}

function num(x: unknown): number {
  return typeof x === "number" && Number.isFinite(x) ? x : Number.NaN;
}

function asObject(x: unknown): Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

function isStats(x: unknown): x is MetricStats {
  const o = asObject(x);
  return typeof o.unit === "string" && typeof o.avg === "number";
}

function errorType(details: unknown): string {
  const d = asObject(details);
  return String(d.type ?? d.code ?? "error");
}

/** The first number under one of `keys`, anywhere in the config (its shape differs by schema). */
function findNumber(o: Record<string, unknown>, keys: string[], depth = 0): number | undefined {
  for (const k of keys) if (typeof o[k] === "number") return o[k] as number;
  if (depth > 4) return undefined;
  for (const x of Object.values(o)) {
    if (typeof x === "object" && x !== null && !Array.isArray(x)) {
      const found = findNumber(x as Record<string, unknown>, keys, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The config as dotted key → text rows (nested objects flattened), unset values left out. */
function flatten(o: Record<string, unknown>, prefix = "", out: [string, string][] = []): [string, string][] {
  for (const [k, x] of Object.entries(o)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (x === null || x === undefined || (Array.isArray(x) && x.length === 0)) continue;
    if (typeof x === "object" && !Array.isArray(x)) flatten(x as Record<string, unknown>, key, out);
    else out.push([key, typeof x === "string" ? x : JSON.stringify(x)]);
  }
  return out;
}

function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, "");
}

/**
 * Is `dir` a run (has its export files, under any prefix)? Used to expand a parent such as
 * artifacts/ into its runs; a directory with two runs' files counts, and loadRun then says so.
 */
export function isRunDir(dir: string): boolean {
  return findRunFiles(dir).kind !== "none";
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
