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
import type { GpuLive } from "../../protocol/live-stats.ts";
import { type Collector, startCollector } from "./collector.ts";
import type { GpuSample } from "./fields.ts";
import { renderGpuConsole } from "./console.ts";
import { energyMetrics, groupByGpu, jsonlLine, telemetryBlock, windowOf } from "./summary.ts";

markLoaded("role:gpu-telemetry");

export const GPU_TELEMETRY_FILE_NAME = "gpu_telemetry_export.jsonl";

const EMPTY: GpuFinalizeResult = { collected: false, telemetry: null, energy: {}, consoleText: "", files: [] };

export async function run(ctx: ServiceContext<"gpu-telemetry">): Promise<void> {
  let cfg: GpuTelemetryConfig | undefined;
  let collector: Collector | undefined;
  let live: Timer | undefined;

  ctx.handle("configure", (payload) => {
    cfg = v.parse(GpuTelemetryConfig, payload);
    collector = startCollector(cfg, ctx.log);
    live = setInterval(() => {
      const view = latestPerGpu(collector?.samples ?? []);
      if (view.gpus.length > 0) ctx.emit("gpu_live", view);
    }, LIVE_MS);
    live.unref?.();
    return {};
  });
  ctx.handle("finalize", async (payload) => {
    clearInterval(live);
    if (cfg === undefined || collector === undefined) return EMPTY;
    try {
      return await finalize(cfg, collector, v.parse(GpuFinalizeRequest, payload ?? {}));
    } catch (error) {
      ctx.log.warn(`GPU telemetry: could not summarise (${(error as Error).message})`);
      return EMPTY;
    }
  });
  await untilStopped(ctx.signal);
  clearInterval(live);
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

/** How often the live view goes to the controller's dashboard. */
const LIVE_MS = 1000;

/** The newest sample of each GPU (looking back over the last few polls only). */
function latestPerGpu(samples: readonly GpuSample[]): GpuLive {
  const seen = new Map<string, GpuLive["gpus"][number]>();
  for (let i = samples.length - 1; i >= 0 && i >= samples.length - 256; i--) {
    const s = samples[i] as GpuSample;
    const key = `${s.source} ${s.gpuIndex}`;
    if (seen.has(key)) continue;
    const v = s.values;
    seen.set(key, {
      index: s.gpuIndex,
      ...(v.gpu_power_usage === undefined ? {} : { powerW: v.gpu_power_usage }),
      ...(v.gpu_utilization === undefined ? {} : { utilPct: v.gpu_utilization }),
      ...(v.gpu_memory_used === undefined ? {} : { memUsedGb: v.gpu_memory_used * 1.048576e-3 }),
      ...(v.gpu_temperature === undefined ? {} : { tempC: v.gpu_temperature }),
    });
  }
  return { gpus: [...seen.values()].sort((a, b) => a.index - b.index) };
}
