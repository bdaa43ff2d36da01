/**
 * The server-metrics service: scrapes the inference servers' Prometheus /metrics while the
 * benchmark runs, in its own process so that neither parsing nor a slow endpoint touches the
 * workers' timing. "configure" starts scraping; the profiling phase_start broadcast takes the
 * window's baseline snapshot; "finalize" takes a last snapshot, stops, writes the exports and
 * returns the console lines.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { markLoaded } from "../../core/loaded.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { type Collector, pruneBeforeBaseline, startCollector } from "../../server-metrics/collector.ts";
import { SERVER_METRICS_FILES, serverMetricsConsoleText, writeServerMetricsCsv, writeServerMetricsJson } from "../../server-metrics/export.ts";
import { liveGauges } from "../../server-metrics/live.ts";
import { summarizeEndpoint } from "../../server-metrics/summarize.ts";
import type { ServerMetricsLive } from "../../protocol/live-stats.ts";
import { ServerMetricsConfig, ServerMetricsFinalize, type ServerMetricsResult } from "../../protocol/server-metrics-config.ts";

markLoaded("role:server-metrics");

/** How often the live gauges go to the controller's dashboard. */
const LIVE_MS = 1000;

export async function run(ctx: ServiceContext<"server-metrics">): Promise<void> {
  let collectors: Collector[] = [];
  let artifactDir = "";
  let baselineStartNs: number | undefined;
  let live: Timer | undefined;

  ctx.handle("configure", (payload) => {
    const cfg = v.parse(ServerMetricsConfig, payload);
    artifactDir = cfg.artifactDir;
    mkdirSync(artifactDir, { recursive: true });
    const jsonlPath = join(artifactDir, SERVER_METRICS_FILES.jsonl);
    writeFileSync(jsonlPath, "");
    const timeoutMs = Math.max(cfg.timeoutMs, 1);
    collectors = cfg.urls.map((url) => startCollector({ url, intervalMs: cfg.intervalMs, timeoutMs, jsonlPath, log: ctx.log }));
    // The live dashboard's gauges, from the latest stored scrape.
    live = setInterval(() => {
      const view: ServerMetricsLive = { endpoints: collectors.map((c) => ({ url: c.data.url, ...liveGauges(c.data.snapshots[c.data.snapshots.length - 1]) })) };
      ctx.emit("server_metrics_live", view);
    }, LIVE_MS);
    live.unref?.();
    return { endpoints: collectors.length };
  });

  ctx.onBroadcast("phase_start", (p) => {
    if (p.phase !== "profiling") return;
    baselineStartNs = p.startWallNs;
    for (const c of collectors) void c.scrapeNow(true).then(() => pruneBeforeBaseline(c.data));
  });

  ctx.handle("finalize", async (payload): Promise<ServerMetricsResult> => {
    clearInterval(live);
    const f = v.parse(ServerMetricsFinalize, payload ?? {});
    // The closing snapshot: taken after the window ended, so every request counted is inside.
    await Promise.all(collectors.map((c) => c.scrapeNow()));
    await Promise.all(collectors.map((c) => c.stop()));
    if (collectors.length === 0) return { consoleText: "", files: [] };
    const startNs = f.profilingStartWallNs ?? baselineStartNs;
    const endNs = f.profilingEndWallNs ?? undefined;
    const summaries = collectors.map((c) => summarizeEndpoint(c.data, startNs, endNs));
    const files = [
      join(artifactDir, SERVER_METRICS_FILES.jsonl),
      writeServerMetricsJson(artifactDir, summaries),
      writeServerMetricsCsv(artifactDir, summaries),
    ];
    return { consoleText: serverMetricsConsoleText(summaries), files };
  });

  await untilStopped(ctx.signal);
  clearInterval(live);
  for (const c of collectors) void c.stop();
}
