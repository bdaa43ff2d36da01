/** Just enough of the Prometheus text exposition format (0.0.4): labelled counters, gauges, histograms. */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

export interface Metric {
  render(): string;
}

interface Counter extends Metric {
  inc(labels?: Labels, by?: number): void;
}

interface Gauge extends Metric {
  add(by: number, labels?: Labels): void;
  set(value: number, labels?: Labels): void;
}

interface Histogram extends Metric {
  observe(value: number, labels?: Labels): void;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  // The common case, an unlabelled series, without building an entries array.
  if (extra === undefined && isEmpty(labels)) return "";
  const pairs = Object.entries(labels);
  if (extra !== undefined) pairs.push(extra);
  return pairs.length === 0 ? "" : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

function isEmpty(labels: Labels): boolean {
  for (const _ in labels) return false;
  return true;
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${name} ${type}\n`;
}

/** Series keyed by their rendered label set; an unlabelled metric shows 0 before its first update. */
function simpleMetric(name: string, help: string, type: "counter" | "gauge", labelled: boolean): Counter & Gauge {
  const series = new Map<string, number>();
  if (!labelled) series.set("", 0);
  const add = (by: number, labels: Labels = {}): void => {
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  };
  return {
    inc: (labels, by = 1) => add(by, labels),
    add,
    set: (value, labels = {}) => void series.set(labelText(labels), value),
    render: () => header(name, help, type) + [...series].map(([key, value]) => `${name}${key} ${formatNumber(value)}\n`).join(""),
  };
}

export function counter(name: string, help: string, labelled = false): Counter {
  return simpleMetric(name, help, "counter", labelled);
}

export function gauge(name: string, help: string, labelled = false): Gauge {
  return simpleMetric(name, help, "gauge", labelled);
}

/** Cumulative buckets (`le`), plus `_sum` and `_count`, per label set. */
export function histogram(name: string, help: string, buckets: readonly number[]): Histogram {
  const bounds = [...buckets].sort((a, b) => a - b);
  const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  return {
    observe(value, labels = {}) {
      const key = labelText(labels);
      let s = series.get(key);
      if (s === undefined) {
        s = { labels, counts: bounds.map(() => 0), sum: 0, count: 0 };
        series.set(key, s);
      }
      for (let i = 0; i < bounds.length; i++) if (value <= (bounds[i] ?? Infinity)) s.counts[i] = (s.counts[i] ?? 0) + 1;
      s.sum += value;
      s.count += 1;
    },
    render() {
      let out = header(name, help, "histogram");
      for (const s of series.values()) {
        bounds.forEach((bound, i) => {
          out += `${name}_bucket${labelText(s.labels, ["le", formatNumber(bound)])} ${s.counts[i] ?? 0}\n`;
        });
        out += `${name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count}\n`;
        out += `${name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}\n`;
        out += `${name}_count${labelText(s.labels)} ${s.count}\n`;
      }
      return out;
    },
  };
}
