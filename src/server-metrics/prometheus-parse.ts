/**
 * Reader for the Prometheus text exposition format (0.0.4) as inference servers serve it on
 * /metrics. Pure and forgiving: a scrape is evidence, not input to validate, so a bad line is
 * skipped and counted instead of failing the whole snapshot. Histogram `_bucket`/`_sum`/`_count`
 * and summary quantile/`_sum`/`_count` lines are folded into one family per metric, with one
 * entry per label set, in the shape the server_metrics_export.jsonl lines use.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";
export type Labels = Record<string, string>;

/** One series of a family: `value` for scalars, buckets (le → cumulative count) or quantiles plus sum/count otherwise. */
export type PromSeries = {
  labels?: Labels;
  value?: number;
  histogram?: Record<string, number>;
  summary?: Record<string, number>;
  sum?: number;
  count?: number;
  /** Milliseconds since the epoch, when the exposition gave one. */
  timestampMs?: number;
};

type PromFamily = { name: string; type: MetricType; help?: string; series: PromSeries[] };
type PromParseResult = { families: Map<string, PromFamily>; skippedLines: number };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);

/** A sample value or timestamp: Go's float syntax plus ±Inf and NaN; undefined when not a number. */
export function parsePromNumber(text: string): number | undefined {
  const t = text.trim();
  if (/^[+]?inf(inity)?$/i.test(t)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(t)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(t)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^0x[0-9a-f]+$/i.test(t)) return undefined;
  return Number(t);
}

function unescapeText(s: string, quoted: boolean): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c === "\\" ? "\\" : quoted && c === '"' ? '"' : `\\${c}`));
}

/** `{a="x",b="y\"z"}` starting at `at` (the brace); returns the labels and the index after `}`. */
function readLabels(line: string, at: number): { labels: Labels; end: number } | undefined {
  const labels: Labels = {};
  let i = at + 1;
  for (;;) {
    while (line[i] === " " || line[i] === "\t" || line[i] === ",") i++;
    if (line[i] === "}") return { labels, end: i + 1 };
    const name = NAME.exec(line.slice(i))?.[0];
    if (name === undefined) return undefined;
    i += name.length;
    while (line[i] === " ") i++;
    if (line[i] !== "=") return undefined;
    i++;
    while (line[i] === " ") i++;
    if (line[i] !== '"') return undefined;
    let j = i + 1;
    while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
    if (j >= line.length) return undefined;
    labels[name] = unescapeText(line.slice(i + 1, j), true);
    i = j + 1;
  }
}

type Sample = { name: string; labels: Labels; value: number; timestampMs?: number };

export function parseSampleLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let i = name.length;
  let labels: Labels = {};
  if (line[i] === "{") {
    const read = readLabels(line, i);
    if (read === undefined) return undefined;
    labels = read.labels;
    i = read.end;
  }
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || line.slice(i).trim() === "") return undefined;
  const value = parsePromNumber(rest[0] as string);
  if (value === undefined) return undefined;
  if (rest[1] === undefined) return { name, labels, value };
  const ts = parsePromNumber(rest[1]);
  return ts === undefined || !Number.isFinite(ts) ? undefined : { name, labels, value, timestampMs: ts };
}

/** Series identity inside a family: the labels other than le/quantile, in a stable order. */
function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function stripSuffix(name: string, suffixes: readonly string[]): [string, string] | undefined {
  for (const s of suffixes) if (name.endsWith(s) && name.length > s.length) return [name.slice(0, -s.length), s];
  return undefined;
}

export function parsePrometheusText(text: string): PromParseResult {
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const families = new Map<string, PromFamily>();
  const seriesIndex = new Map<string, PromSeries>();
  let skippedLines = 0;

  const familyOf = (name: string): PromFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: types.get(name) ?? "untyped", series: [] };
      const help = helps.get(name);
      if (help !== undefined) f.help = help;
      families.set(name, f);
    }
    return f;
  };
  const seriesOf = (family: PromFamily, labels: Labels): PromSeries => {
    const key = `${family.name}\u0000${seriesKey(labels)}`;
    let s = seriesIndex.get(key);
    if (s === undefined) {
      s = Object.keys(labels).length > 0 ? { labels } : {};
      seriesIndex.set(key, s);
      family.series.push(s);
    }
    return s;
  };

  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (m === null) continue; // other comments are allowed and carry nothing
      const [kind, name, rest] = [m[1], m[2] as string, m[3] ?? ""];
      if (kind === "HELP") helps.set(name, unescapeText(rest, false));
      else if (TYPES.has(rest.trim().toLowerCase())) types.set(name, rest.trim().toLowerCase() as MetricType);
      else skippedLines++;
      continue;
    }
    const sample = parseSampleLine(line);
    if (sample === undefined) {
      skippedLines++;
      continue;
    }
    // `_created` series are creation timestamps (Python's client serves them as gauges of their
    // own), not measurements of the server: left out, as upstream does.
    if (sample.name.endsWith("_created")) continue;

    const { le, quantile, ...rest } = sample.labels;
    const grouped = stripSuffix(sample.name, ["_bucket", "_sum", "_count"]);
    const baseType = grouped === undefined ? undefined : types.get(grouped[0]);
    if (grouped !== undefined && (baseType === "histogram" || baseType === "summary") && !types.has(sample.name)) {
      const [base, suffix] = grouped;
      const series = seriesOf(familyOf(base), rest);
      if (suffix === "_sum") series.sum = sample.value;
      else if (suffix === "_count") series.count = sample.value;
      else if (baseType === "histogram" && le !== undefined) (series.histogram ??= {})[normalizeBound(le)] = sample.value;
      else skippedLines++;
      continue;
    }
    const ownType = types.get(sample.name);
    if (ownType === "summary" && quantile !== undefined) {
      (seriesOf(familyOf(sample.name), rest).summary ??= {})[quantile] = sample.value;
      continue;
    }
    if (ownType === "histogram" || ownType === "summary") {
      skippedLines++; // a bare sample named like a histogram/summary family has no meaning
      continue;
    }
    // OpenMetrics-style counters declare `foo` and expose `foo_total`.
    const total = ownType === undefined ? stripSuffix(sample.name, ["_total"]) : undefined;
    const familyName = total !== undefined && types.get(total[0]) === "counter" ? total[0] : sample.name;
    const series = seriesOf(familyOf(familyName), sample.labels);
    series.value = sample.value;
    if (sample.timestampMs !== undefined) series.timestampMs = sample.timestampMs;
  }
  return { families, skippedLines };
}

/** `le` bounds as Go prints them ("1", "+Inf"), so "1.0" and "1" land in the same bucket. */
function normalizeBound(le: string): string {
  const n = parsePromNumber(le);
  if (n === undefined) return le;
  return n === Number.POSITIVE_INFINITY ? "+Inf" : n === Number.NEGATIVE_INFINITY ? "-Inf" : String(n);
}
