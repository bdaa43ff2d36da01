/**
 * Server metrics over the profiling window. Gauges are sampled state, so they get statistics of
 * the samples inside the window; counters, histograms and summaries are cumulative since server
 * start, so only the difference between the window's edges says what this benchmark did.
 * Edges: the start is the snapshot taken when the profiling phase began (else the last one before
 * it), the end is the first snapshot taken after the window closed (else the last one), so
 * requests finishing right at either edge are inside.
 */
import { summarizeSeries } from "../metrics/stats.ts";
import type { EndpointData, Snapshot } from "./collector.ts";
import type { Labels, MetricType, PromSeries } from "./prometheus-parse.ts";

type GaugeStats = { avg: number; min: number; max: number; p50: number; p90: number; p99: number; std: number; count: number };
export type SeriesSummary = {
  labels?: Labels;
  /** Gauges and untyped metrics. */
  stats?: GaugeStats;
  /** Counters: value at the window's edges and the difference. */
  start?: number;
  end?: number;
  delta?: number;
  rate_per_s?: number;
  /** Histograms and summaries. */
  count_delta?: number;
  sum_delta?: number;
  mean?: number;
  buckets?: Record<string, number>;
  estimated_percentiles?: { p50: number; p90: number; p99: number };
  quantiles?: Record<string, number>;
};
export type MetricSummary = { type: MetricType; help?: string; series: SeriesSummary[] };
export type EndpointSummary = {
  endpoint_url: string;
  snapshots: number;
  scrape_errors: number;
  skipped_lines: number;
  window: { start_ns: number; end_ns: number; duration_s: number } | null;
  metrics: Record<string, MetricSummary>;
};

type Parsed = Record<string, PromSeries[]>;

function key(labels: Labels | undefined): string {
  return JSON.stringify(Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function find(parsed: Parsed | undefined, name: string, labelsKey: string): PromSeries | undefined {
  return parsed?.[name]?.find((s) => key(s.labels) === labelsKey);
}

/** Picks the window's edge snapshots; undefined bounds mean "from the first" / "to the last". */
export function windowEdges(snaps: Snapshot[], startNs?: number, endNs?: number): { first: number; last: number } | undefined {
  if (snaps.length === 0) return undefined;
  let first = 0;
  if (startNs !== undefined) {
    const marked = snaps.findLastIndex((s) => s.baseline === true);
    const before = snaps.findLastIndex((s) => s.timestampNs <= startNs);
    first = marked >= 0 ? marked : Math.max(0, before);
  }
  let last = snaps.length - 1;
  if (endNs !== undefined) {
    const after = snaps.findIndex((s, i) => i >= first && s.timestampNs >= endNs);
    if (after >= 0) last = after;
  }
  return { first, last: Math.max(first, last) };
}

/** Percentile estimated from cumulative buckets by linear interpolation inside the bucket. */
export function bucketPercentile(buckets: Record<string, number>, p: number): number {
  const bounds = Object.entries(buckets)
    .map(([le, c]) => [le === "+Inf" ? Infinity : Number(le), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = bounds[bounds.length - 1]?.[1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = (p / 100) * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of bounds) {
    if (count >= rank) {
      // Past the last finite bound nothing is known but that it is larger: report that bound.
      if (bound === Infinity) return prevBound;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? bound : prevBound + (bound - prevBound) * ((rank - prevCount) / inBucket);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

export function summarizeEndpoint(data: EndpointData, startNs?: number, endNs?: number): EndpointSummary {
  const out: EndpointSummary = {
    endpoint_url: data.url,
    snapshots: data.snapshots.length,
    scrape_errors: data.errors,
    skipped_lines: data.skippedLines,
    window: null,
    metrics: {},
  };
  const edges = windowEdges(data.snapshots, startNs, endNs);
  if (edges === undefined) return out;
  const cache = new Map<string, Parsed>();
  const parse = (s: Snapshot | undefined): Parsed | undefined => {
    if (s === undefined) return undefined;
    let p = cache.get(s.metricsJson);
    if (p === undefined) cache.set(s.metricsJson, (p = JSON.parse(s.metricsJson) as Parsed));
    return p;
  };
  const firstSnap = data.snapshots[edges.first] as Snapshot;
  const lastSnap = data.snapshots[edges.last] as Snapshot;
  const windowSnaps = data.snapshots.slice(edges.first, edges.last + 1);
  const inside = windowSnaps.filter((s) => (startNs === undefined || s.timestampNs >= startNs) && (endNs === undefined || s.timestampNs <= endNs));
  const gaugeSnaps = inside.length > 0 ? inside : windowSnaps;
  const durationS = ((endNs ?? lastSnap.timestampNs) - (startNs ?? firstSnap.timestampNs)) / 1e9;
  out.window = { start_ns: Math.round(startNs ?? firstSnap.timestampNs), end_ns: Math.round(endNs ?? lastSnap.timestampNs), duration_s: durationS };
  const start = parse(firstSnap);
  const end = parse(lastSnap) ?? {};

  for (const [name, series] of Object.entries(end)) {
    const type = data.types.get(name) ?? "untyped";
    const summary: MetricSummary = { type, series: [] };
    const help = data.help.get(name);
    if (help !== undefined) summary.help = help;
    for (const s of series) {
      const lk = key(s.labels);
      const before = find(start, name, lk);
      const row: SeriesSummary = s.labels === undefined ? {} : { labels: s.labels };
      if (type === "counter") {
        const a = before?.value ?? 0;
        const b = s.value ?? 0;
        // A counter that went down was reset (server restart): what it counted since is the best guess.
        row.start = a;
        row.end = b;
        row.delta = b >= a ? b - a : b;
        if (durationS > 0) row.rate_per_s = row.delta / durationS;
      } else if (type === "histogram" || type === "summary") {
        row.count_delta = (s.count ?? 0) - (before?.count ?? 0);
        row.sum_delta = (s.sum ?? 0) - (before?.sum ?? 0);
        row.mean = row.count_delta > 0 ? row.sum_delta / row.count_delta : Number.NaN;
        if (s.histogram !== undefined) {
          const h = s.histogram;
          row.buckets = Object.fromEntries(Object.entries(h).map(([le, c]) => [le, c - (before?.histogram?.[le] ?? 0)]));
          const b = row.buckets;
          row.estimated_percentiles = { p50: bucketPercentile(b, 50), p90: bucketPercentile(b, 90), p99: bucketPercentile(b, 99) };
        }
        if (s.summary !== undefined) row.quantiles = s.summary;
      } else {
        const values = gaugeSnaps.map((g) => find(parse(g), name, lk)?.value).filter((x): x is number => x !== undefined && !Number.isNaN(x));
        if (values.length > 0) {
          const st = summarizeSeries(values);
          row.stats = { avg: st.avg, min: st.min, max: st.max, p50: st.p50, p90: st.p90, p99: st.p99, std: st.std, count: st.count };
        }
      }
      summary.series.push(row);
    }
    out.metrics[name] = summary;
  }
  return out;
}
