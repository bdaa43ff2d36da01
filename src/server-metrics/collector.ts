/**
 * Scrapes one /metrics endpoint on a timer and keeps what it saw. Snapshots are stored as their
 * JSON text (the `metrics` of a JSONL line) and a run of identical snapshots shares one string,
 * so an idle server costs a pointer per scrape; the summary parses each distinct text once.
 * The JSONL file is appended as scraping goes, writing the first and the last snapshot of each
 * run of identical ones, so its size follows how much the server changed, not the run length.
 */
import { appendFileSync } from "node:fs";
import type { ConsolaInstance } from "consola";
import { wallNs } from "../core/clock.ts";
import { redactUrl } from "../core/redact.ts";
import { type MetricType, parsePrometheusText, type PromSeries } from "./prometheus-parse.ts";

export type Snapshot = { timestampNs: number; latencyNs: number; metricsJson: string; baseline?: boolean };

export type EndpointData = {
  /** The endpoint as exports and logs show it: credentials in the URL redacted (the scrape uses the real one). */
  url: string;
  snapshots: Snapshot[];
  types: Map<string, MetricType>;
  help: Map<string, string>;
  errors: number;
  skippedLines: number;
};

export type Collector = {
  readonly data: EndpointData;
  /** Scrapes now (outside the timer); resolves when stored. `baseline` marks the phase-start snapshot. */
  scrapeNow(baseline?: boolean): Promise<void>;
  /** Stops the timer, waits for a scrape in flight and writes the pending JSONL line. */
  stop(): Promise<void>;
};

type CollectorOptions = { url: string; intervalMs: number; timeoutMs: number; jsonlPath: string | undefined; log: ConsolaInstance };

export function startCollector(opts: CollectorOptions): Collector {
  const shown = redactUrl(opts.url);
  const data: EndpointData = { url: shown, snapshots: [], types: new Map(), help: new Map(), errors: 0, skippedLines: 0 };
  let lastJson: string | undefined;
  let pending: Snapshot | undefined; // last of a run of identical snapshots, not yet written
  let inFlight: Promise<void> | undefined;
  let warned = false;
  let stopped = false;

  const writeLine = (s: Snapshot): void => {
    if (opts.jsonlPath === undefined) return;
    const line = `{"endpoint_url":${JSON.stringify(shown)},"timestamp_ns":${Math.round(s.timestampNs)},"endpoint_latency_ns":${Math.round(s.latencyNs)},"metrics":${s.metricsJson}}\n`;
    try {
      appendFileSync(opts.jsonlPath, line);
    } catch (e) {
      if (!warned) opts.log.warn(`Cannot write ${opts.jsonlPath}: ${(e as Error).message}`);
      warned = true;
    }
  };

  const store = (text: string, timestampNs: number, latencyNs: number, baseline: boolean): void => {
    const parsed = parsePrometheusText(text);
    data.skippedLines += parsed.skippedLines;
    const metrics: Record<string, Omit<PromSeries, "timestampMs">[]> = {};
    for (const f of parsed.families.values()) {
      data.types.set(f.name, f.type);
      if (f.help !== undefined) data.help.set(f.name, f.help);
      metrics[f.name] = f.series.map(({ timestampMs: _ts, ...s }) => s);
    }
    const json = JSON.stringify(metrics);
    const same = json === lastJson;
    const snap: Snapshot = { timestampNs, latencyNs, metricsJson: same ? (lastJson as string) : json };
    if (baseline) snap.baseline = true;
    data.snapshots.push(snap);
    if (same) pending = snap;
    else {
      if (pending !== undefined) writeLine(pending);
      pending = undefined;
      writeLine(snap);
      lastJson = json;
    }
  };

  const scrape = async (baseline: boolean): Promise<void> => {
    const t0 = wallNs();
    try {
      const res = await fetch(opts.url, { signal: AbortSignal.timeout(opts.timeoutMs), headers: { accept: "text/plain" } });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      store(text, t0, wallNs() - t0, baseline);
    } catch (e) {
      data.errors++;
      // A dead or slow endpoint is said once; every later failure only counts.
      if (data.errors === 1) opts.log.warn(`Server metrics from ${shown} unavailable: ${(e as Error).message}`);
    }
  };

  const scrapeNow = (baseline = false): Promise<void> => {
    // One scrape at a time per endpoint: a slow server never gets a pile of overlapping requests.
    const run = (inFlight ?? Promise.resolve()).then(() => scrape(baseline));
    inFlight = run;
    return run;
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    const started = performance.now();
    await scrapeNow();
    if (!stopped) timer = setTimeout(tick, Math.max(0, opts.intervalMs - (performance.now() - started)));
  };
  void tick();

  return {
    data,
    scrapeNow,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight;
      if (pending !== undefined) writeLine(pending);
      pending = undefined;
    },
  };
}

/** Drops snapshots older than the newest baseline: they are on disk already and outside any window. */
export function pruneBeforeBaseline(data: EndpointData): void {
  let last = -1;
  data.snapshots.forEach((s, i) => {
    if (s.baseline === true) last = i;
  });
  if (last > 0) data.snapshots.splice(0, last);
}
