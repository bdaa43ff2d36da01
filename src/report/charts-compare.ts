/**
 * Views across runs (a sweep, or any directories): throughput vs per-user throughput (Pareto) and
 * latency percentiles against the load each run applied. Values come from each run's summary JSON,
 * by metric tag, so they are the run's own statistics.
 */
import type { ChartSpec, SeriesSpec } from "./chart-spec.ts";
import type { RunData } from "./load-run.ts";
import { round } from "./series.ts";

type LoadAxis = { label: string; unit: string; values: number[] } | undefined;

/** The load that tells the runs apart: concurrency, else request rate, else none (run order). */
export function loadAxis(runs: RunData[]): LoadAxis {
  const distinct = (xs: (number | undefined)[]): xs is number[] => xs.every((x) => x !== undefined) && new Set(xs).size === xs.length;
  const rates = runs.map((r) => r.requestRate);
  if (distinct(rates)) return { label: "Request rate", unit: "requests/s", values: rates };
  const conc = runs.map((r) => r.concurrency);
  if (distinct(conc)) return { label: "Concurrency", unit: "requests", values: conc };
  return undefined;
}

function stat(run: RunData, tag: string, key: string): number | null {
  const v = run.metrics[tag]?.[key];
  return typeof v === "number" && Number.isFinite(v) ? round(v) : null;
}

export function compareCharts(runs: RunData[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const pareto = paretoChart(runs);
  if (pareto !== undefined) charts.push(pareto);
  const axis = loadAxis(runs);
  const order = runs.map((_, i) => i);
  if (axis !== undefined) order.sort((a, b) => axis.values[a]! - axis.values[b]!);
  const xs = order.map((i) => (axis === undefined ? i + 1 : axis.values[i]!));
  const x = axis === undefined ? { label: "Run", unit: "#" } : { label: axis.label, unit: axis.unit };
  const names = axis === undefined ? { xNames: order.map((i) => runs[i]!.label) } : {};
  const views: { id: string; title: string; tag: string; keys: string[] }[] = [
    { id: "cmp-ttft", title: "TTFT percentiles", tag: "time_to_first_token", keys: ["p50", "p90", "p99"] },
    { id: "cmp-itl", title: "ITL percentiles", tag: "inter_token_latency", keys: ["p50", "p90", "p99"] },
    { id: "cmp-latency", title: "Request latency percentiles", tag: "request_latency", keys: ["p50", "p90", "p99"] },
    { id: "cmp-throughput", title: "Output token throughput", tag: "output_token_throughput", keys: ["avg"] },
  ];
  for (const v of views) {
    const series: SeriesSpec[] = v.keys.map((k) => ({
      label: `${k === "avg" ? "" : `${k} `}${v.title.replace(/ percentiles$/, "")}`,
      values: order.map((i) => stat(runs[i]!, v.tag, k)),
      style: "line",
    }));
    if (series.every((s) => s.values.every((y) => y === null))) continue;
    const unit = runs.map((r) => r.metrics[v.tag]?.unit).find((u) => u !== undefined) ?? "";
    charts.push({
      id: v.id,
      section: "Comparison",
      title: `${v.title} vs ${x.label.toLowerCase()}`,
      x,
      y: { label: v.title, unit },
      xs,
      series,
      main: v.id === "cmp-ttft" || v.id === "cmp-itl",
      ...names,
      note: `Points in order: ${order.map((i) => runs[i]!.label).join(", ")}`,
    });
  }
  return charts;
}

/**
 * Output tokens/s of the whole run against tokens/s seen by one user: each run one labelled
 * point, and the front of runs no other run beats on both.
 */
function paretoChart(runs: RunData[]): ChartSpec | undefined {
  const pts = runs
    .map((r, i) => ({ i, x: stat(r, "output_token_throughput_per_user", "avg"), y: stat(r, "output_token_throughput", "avg") }))
    .filter((p): p is { i: number; x: number; y: number } => p.x !== null && p.y !== null)
    .sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length === 0) return undefined;
  const front = new Set(pts.filter((p) => !pts.some((q) => q !== p && q.x >= p.x && q.y >= p.y && (q.x > p.x || q.y > p.y))).map((p) => p.i));
  // The front first, so each run's marker is drawn over it.
  const series: SeriesSpec[] = [{ label: "Pareto front", values: pts.map((p) => (front.has(p.i) ? p.y : null)), style: "line" }];
  for (const p of pts) series.push({ label: runs[p.i]!.label, values: pts.map((q) => (q === p ? p.y : null)), style: "points" });
  const perUserUnit =
    runs.find((r) => r.metrics.output_token_throughput_per_user !== undefined)?.metrics.output_token_throughput_per_user?.unit ?? "tokens/sec/user";
  return {
    id: "cmp-pareto",
    section: "Comparison",
    title: "Throughput vs per-user throughput (Pareto)",
    x: { label: "Per-user output throughput", unit: perUserUnit },
    y: { label: "Total output throughput", unit: "tokens/s" },
    xs: pts.map((p) => p.x),
    series,
    note: "Up and to the right is better; the line joins runs that no other run beats on both axes.",
    pointLabels: true,
    main: true,
  };
}
