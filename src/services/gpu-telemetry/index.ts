/**
 * The gpu-telemetry service: scrapes DCGM exporters (or reads NVML) during the run, and on
 * "finalize" writes gpu_telemetry_export.jsonl and returns the telemetry block, the energy metrics
 * and the console tables. It never fails the run: any problem becomes a log line and an empty result.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { markLoaded } from "../../core/loaded.ts";
import { redactUrl } from "../../core/redact.ts";
import { GpuFinalizeRequest, type GpuFinalizeResult, GpuTelemetryConfig } from "../../protocol/gpu-telemetry.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { type Collector, startCollector } from "./collector.ts";
import { renderGpuConsole } from "./console.ts";
import { energyMetrics, groupByGpu, jsonlLine, telemetryBlock, windowOf } from "./summary.ts";

markLoaded("role:gpu-telemetry");

export const GPU_TELEMETRY_FILE_NAME = "gpu_telemetry_export.jsonl";

const EMPTY: GpuFinalizeResult = { collected: false, telemetry: null, energy: {}, consoleText: "", files: [] };

export async function run(ctx: ServiceContext): Promise<void> {
  let cfg: GpuTelemetryConfig | undefined;
  let collector: Collector | undefined;

  ctx.handle("configure", (payload) => {
    cfg = v.parse(GpuTelemetryConfig, payload);
    collector = startCollector(cfg, ctx.log);
    return {};
  });
  ctx.handle("finalize", async (payload) => {
    if (cfg === undefined || collector === undefined) return EMPTY;
    try {
      return await finalize(cfg, collector, v.parse(GpuFinalizeRequest, payload ?? {}));
    } catch (error) {
      ctx.log.warn(`GPU telemetry: could not summarise (${(error as Error).message})`);
      return EMPTY;
    }
  });
  await untilStopped(ctx.signal);
  // In-process services share the event loop with the controller: the poll timer must not outlive the role.
  collector?.close();
}

/** Summarises what the collector holds; exported for tests that feed it samples directly. */
export async function finalize(cfg: GpuTelemetryConfig, collector: Pick<Collector, "samples" | "stop">, req: GpuFinalizeRequest): Promise<GpuFinalizeResult> {
  await collector.stop();
  const series = groupByGpu(collector.samples);
  const window = windowOf(series, req.profilingStartWallNs, req.profilingEndWallNs);
  if (window === undefined) return EMPTY;
  const path = join(cfg.artifactDir, cfg.jsonlName ?? GPU_TELEMETRY_FILE_NAME);
  const sorted = [...collector.samples].sort((a, b) => a.timestampNs - b.timestampNs);
  await writeFile(path, sorted.map((s) => `${jsonlLine(s)}\n`).join(""));
  const energy = energyMetrics(series, window, { outputTokens: req.totalOutputTokens, requests: req.requestCount });
  return {
    collected: true,
    telemetry: telemetryBlock(series, window, cfg.urls.map(redactUrl)),
    energy,
    consoleText: renderGpuConsole(series, window, energy),
    files: [path],
  };
}
