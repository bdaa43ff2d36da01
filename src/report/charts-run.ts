/** The charts of one run, from its records and collector timelines. */
import type { ChartSpec, SeriesSpec } from "./chart-spec.ts";
import type { GpuSeries, RunData, ServerSeries } from "./load-run.ts";
import { CURVE_LEVELS, cdf, gap, histogram, maxOf, niceStep, percentile, round, sortedFinite, thinRows } from "./series.ts";

/** Most rows drawn in one per-request scatter (display only; every statistic uses all rows). */
const MAX_SCATTER_ROWS = 20_000;

export function runCharts(run: RunData, idPrefix = ""): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const add = (c: ChartSpec | undefined): void => {
    if (c !== undefined && c.series.length > 0 && c.xs.length > 0) charts.push({ ...c, id: idPrefix + c.id });
  };
  const r = run.records;
  const ms = (tag: string): string => run.units[tag] ?? "ms";
  add(timeline(run));
  for (const [tag, name, col] of [
    ["time_to_first_token", "TTFT", r.ttft],
    ["inter_token_latency", "ITL", r.itl],
    ["request_latency", "Request latency", r.latency],
  ] as const) {
    const sorted = sortedFinite(col);
    if (sorted.length === 0) continue;
    add(histogramChart(`hist-${tag}`, name, ms(tag), sorted));
    add(cdfChart(`cdf-${tag}`, name, ms(tag), sorted));
  }
  add(throughput(run));
  add(inFlight(run));
  add(itlByPosition(run));
  add(sendLag(run));
  add(intendedCurves(run));
  add(errorsOverTime(run));
  for (const c of serverCharts(run.server)) add(c);
  for (const c of gpuCharts(run.gpus)) add(c);
  return charts;
}

function timeline(run: RunData): ChartSpec | undefined {
  const r = run.records;
  if (r.start.length === 0) return undefined;
  const rows = thinRows(r.start.length, [r.latency, r.ttft], MAX_SCATTER_ROWS);
  const series: SeriesSpec[] = [{ label: "Request latency", values: rows.map((i) => gap(r.latency[i]!)), style: "points" }];
  if (r.ttft.some(Number.isFinite)) series.push({ label: "TTFT", values: rows.map((i) => gap(r.ttft[i]!)), style: "points" });
  return {
    id: "timeline",
    section: "Requests over time",
    title: "Per-request latency and TTFT by start time",
    x: { label: "Request start", unit: "s" },
    y: { label: "Latency", unit: run.units.request_latency ?? "ms" },
    xs: rows.map((i) => round(r.start[i]!)),
    series,
    main: true,
    ...(rows.length < r.start.length
      ? {
          note: `${rows.length.toLocaleString("en-US")} of ${r.start.length.toLocaleString("en-US")} requests drawn (per time bucket the first, fastest and slowest); statistics use all.`,
        }
      : {}),
  };
}

function histogramChart(id: string, name: string, unit: string, sorted: Float64Array): ChartSpec {
  const h = histogram(sorted);
  return {
    id,
    section: "Distributions",
    title: `${name} histogram`,
    x: { label: name, unit },
    y: { label: "Requests", unit: "count" },
    xs: h.centers.map(round),
    series: [{ label: `${name} (${sorted.length.toLocaleString("en-US")} values)`, values: h.counts, style: "bars" }],
    main: id === "hist-time_to_first_token",
    ...(h.overflow > 0
      ? { note: `${h.overflow} values above ${round(h.centers[h.centers.length - 1]! + h.width / 2)} ${unit} are counted in the last bar.` }
      : {}),
  };
}

function cdfChart(id: string, name: string, unit: string, sorted: Float64Array): ChartSpec {
  const c = cdf(sorted);
  const p = (q: number): string => `p${q} ${round(percentile(sorted, q))} ${unit}`;
  return {
    id,
    section: "Distributions",
    title: `${name} CDF`,
    x: { label: name, unit },
    y: { label: "Requests at or below", unit: "%" },
    xs: c.xs.map(round),
    series: [{ label: name, values: c.pct.map(round), style: "line" }],
    note: `${p(50)} · ${p(90)} · ${p(99)} (all ${sorted.length.toLocaleString("en-US")} values)`,
    main: id === "cdf-request_latency",
  };
}

/** Completions and output tokens per second, by the time each request ended. */
function throughput(run: RunData): ChartSpec | undefined {
  const r = run.records;
  const span = Math.max(0, maxOf(r.end));
  if (!(span > 0)) return undefined;
  // Coarser than the in-flight view: a rate over a bucket with a request or two is noise.
  const step = niceStep(span, 40);
  const n = Math.ceil(span / step);
  const done = new Array<number>(n).fill(0);
  const tokens = new Array<number>(n).fill(0);
  for (let i = 0; i < r.end.length; i++) {
    if (r.error[i] !== null || !Number.isFinite(r.end[i]!)) continue;
    const b = Math.min(n - 1, Math.floor(r.end[i]! / step));
    done[b]!++;
    if (Number.isFinite(r.outputTokens[i]!)) tokens[b]! += r.outputTokens[i]!;
  }
  const series: SeriesSpec[] = [{ label: "Requests/s", values: done.map((c) => round(c / step)), style: "step" }];
  const hasTokens = tokens.some((t) => t > 0);
  if (hasTokens) series.push({ label: "Output tokens/s", values: tokens.map((t) => round(t / step)), style: "step", axis: "y2" });
  return {
    id: "throughput",
    section: "Throughput and load",
    title: "Throughput over time",
    x: { label: "Time", unit: "s" },
    y: { label: "Request throughput", unit: "requests/s" },
    ...(hasTokens ? { y2: { label: "Output token throughput", unit: "tokens/s" } } : {}),
    xs: done.map((_, i) => round(i * step)),
    series,
    note: `Successful requests by completion time, in ${round(step)} s buckets.`,
    main: true,
  };
}

/** Mean requests in flight per bucket: the exact overlap of every request with the bucket. */
function inFlight(run: RunData): ChartSpec | undefined {
  const r = run.records;
  const span = Math.max(0, maxOf(r.end));
  if (!(span > 0)) return undefined;
  const step = niceStep(span);
  const n = Math.ceil(span / step);
  const busy = new Float64Array(n);
  for (let i = 0; i < r.start.length; i++) {
    const a = r.start[i]!;
    const b = r.end[i]!;
    if (!Number.isFinite(b) || b <= a) continue;
    for (let k = Math.floor(a / step); k <= Math.min(n - 1, Math.floor(b / step)); k++) {
      busy[k]! += Math.max(0, Math.min(b, (k + 1) * step) - Math.max(a, k * step));
    }
  }
  return {
    id: "in-flight",
    section: "Throughput and load",
    title: "Requests in flight",
    x: { label: "Time", unit: "s" },
    y: { label: "In flight", unit: "requests" },
    xs: Array.from({ length: n }, (_, i) => round(i * step)),
    series: [{ label: "In flight", values: Array.from(busy, (x) => round(x / step)), style: "step" }],
    note: `Mean requests in flight in each ${round(step)} s bucket (every request's exact overlap with it).`,
  };
}

function itlByPosition(run: RunData): ChartSpec | undefined {
  const p = run.positions;
  if (p.count.length === 0) return undefined;
  return {
    id: "itl-position",
    section: "Streaming",
    title: "Inter-chunk latency by output position",
    x: { label: "Output chunk", unit: "#" },
    y: { label: "Inter-chunk latency", unit: run.units.inter_chunk_latency ?? "ms" },
    xs: p.count.map((_, i) => i + 2),
    series: [
      { label: "Mean", values: p.mean.map(gap), style: "line" },
      { label: "Min", values: p.min.map(gap), style: "line" },
      { label: "Max", values: p.max.map(gap), style: "line" },
    ],
    note: "Gap before chunk k, over every request that reached it.",
    main: true,
  };
}

function sendLag(run: RunData): ChartSpec | undefined {
  const r = run.records;
  if (!r.sendLag.some(Number.isFinite)) return undefined;
  const rows = thinRows(r.start.length, [r.sendLag], MAX_SCATTER_ROWS);
  return {
    id: "send-lag",
    section: "Client timing",
    title: "Send lag by start time",
    x: { label: "Request start", unit: "s" },
    y: { label: "Send lag (intended → sent)", unit: run.units.send_lag ?? "ms" },
    xs: rows.map((i) => round(r.start[i]!)),
    series: [{ label: "Send lag", values: rows.map((i) => gap(r.sendLag[i]!)), style: "points" }],
  };
}

/** Measured vs intended-time latency at each percentile: the gap is what late sends hid. */
function intendedCurves(run: RunData): ChartSpec | undefined {
  const r = run.records;
  const pairs: [string, readonly number[]][] = [
    ["Request latency", r.latency],
    ["Intended-time latency", r.intendedLatency],
    ["TTFT", r.ttft],
    ["Intended-time TTFT", r.intendedTtft],
  ];
  if (!r.intendedLatency.some(Number.isFinite)) return undefined;
  const series: SeriesSpec[] = [];
  for (const [label, col] of pairs) {
    const s = sortedFinite(col);
    if (s.length > 0) series.push({ label, values: CURVE_LEVELS.map((q) => round(percentile(s, q))), style: "line" });
  }
  return {
    id: "intended",
    section: "Client timing",
    title: "Latency vs intended-time latency",
    x: { label: "Percentile", unit: "%" },
    y: { label: "Latency", unit: run.units.request_latency ?? "ms" },
    xs: CURVE_LEVELS,
    series,
    note: "Intended-time latency counts from when the request was due, not when it was sent.",
  };
}

function errorsOverTime(run: RunData): ChartSpec | undefined {
  const r = run.records;
  const failed = r.error.filter((e) => e !== null).length;
  if (failed === 0) return undefined;
  const span = Math.max(1e-3, maxOf(r.start));
  const step = niceStep(span, 60);
  const n = Math.floor(span / step) + 1;
  const counts = new Map<string, number>();
  for (const e of r.error) if (e !== null) counts.set(e, (counts.get(e) ?? 0) + 1);
  // The four most frequent types by name, the rest together.
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([t]) => t);
  const names = counts.size > top.length ? [...top, "other"] : top;
  const grid = names.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < r.error.length; i++) {
    const e = r.error[i];
    if (e === null || e === undefined) continue;
    const k = top.indexOf(e);
    grid[k === -1 ? names.length - 1 : k]![Math.min(n - 1, Math.floor(r.start[i]! / step))]!++;
  }
  return {
    id: "errors",
    section: "Errors",
    title: `Errors over time (${failed} of ${r.error.length} requests)`,
    x: { label: "Request start", unit: "s" },
    y: { label: "Failed requests per bucket", unit: "count" },
    xs: Array.from({ length: n }, (_, i) => round(i * step)),
    series: names.map((name, k) => ({ label: name, values: grid[k]!, style: "step" as const })),
    note: `Failed requests by start time, ${round(step)} s buckets, by error type.`,
  };
}

const SERVER_GROUPS: { id: string; title: string; axis: string; match: RegExp; unit: string; percent?: boolean }[] = [
  {
    id: "server-kv",
    title: "KV cache usage",
    axis: "KV cache usage",
    match: /kv_cache_usage|gpu_cache_usage|cache_usage_perc|token_usage/,
    unit: "%",
    percent: true,
  },
  {
    id: "server-queue",
    title: "Requests running and waiting on the server",
    axis: "Requests",
    match: /running|waiting|in_flight|swapped|queue/,
    unit: "count",
  },
  { id: "server-tokens", title: "Server token rates", axis: "Token rate", match: /(prompt|generation|output|input)_tokens?_total/, unit: "tokens/s" },
];

/** Server metrics as timelines: KV cache, queue gauges and token counters (as rates). */
function serverCharts(server: ServerSeries[]): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const g of SERVER_GROUPS) {
    const lines = server
      .filter((m) => g.match.test(m.name))
      .flatMap((m) => m.series.map((s) => ({ ...s, label: `${m.name}${s.label === "" ? "" : ` ${s.label}`}` })));
    if (lines.length === 0) continue;
    const scale = g.percent === true && lines.every((l) => l.v.every((x) => x <= 1)) ? 100 : 1;
    out.push({
      ...mergeTimelines(lines.slice(0, 8), scale),
      id: g.id,
      section: "Server metrics",
      title: g.title,
      x: { label: "Time", unit: "s" },
      y: { label: g.axis, unit: g.unit },
    });
  }
  return out;
}

function gpuCharts(gpus: GpuSeries[]): ChartSpec[] {
  if (gpus.length === 0) return [];
  const out: ChartSpec[] = [];
  const views: { id: string; title: string; unit: string; col: (g: GpuSeries) => number[] }[] = [
    { id: "gpu-power", title: "GPU power", unit: "W", col: (g) => g.power },
    { id: "gpu-util", title: "GPU utilization", unit: "%", col: (g) => g.util },
    { id: "gpu-memory", title: "GPU memory used", unit: "GB", col: (g) => g.memUsed },
    { id: "gpu-temp", title: "GPU temperature", unit: "°C", col: (g) => g.temp },
  ];
  for (const view of views) {
    const lines = gpus.filter((g) => view.col(g).some(Number.isFinite)).map((g) => ({ label: g.gpu, t: g.t, v: view.col(g) }));
    if (lines.length === 0) continue;
    out.push({
      ...mergeTimelines(lines, 1),
      id: view.id,
      section: "GPU telemetry",
      title: view.title,
      x: { label: "Time", unit: "s" },
      y: { label: view.title, unit: view.unit },
      main: view.id === "gpu-power",
    });
  }
  return out;
}

/** Several timelines on one shared x: each series null where it has no sample. */
function mergeTimelines(lines: { label: string; t: number[]; v: number[] }[], scale: number): { xs: number[]; series: SeriesSpec[] } {
  const xs = [...new Set(lines.flatMap((l) => l.t.map(round)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const series = lines.map((l) => {
    const values = new Array<number | null>(xs.length).fill(null);
    l.t.forEach((t, i) => (values[at.get(round(t))!] = gap(l.v[i]! * scale)));
    return { label: l.label, values, style: "line" as const };
  });
  return { xs, series };
}
