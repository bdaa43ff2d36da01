/**
 * The side views of a run, server metrics and GPU telemetry: each its own service, configured
 * after the dataset and finalized after the records, returning its part of the run report. They
 * observe; a failure is a warning, never the run's.
 */
import type { ConsolaInstance } from "consola";
import type { ResolvedProfile } from "../config/resolve.ts";
import { serverMetricsIntervalMs, serverMetricsUrls } from "../server-metrics/urls.ts";
import { exportPlanOf } from "../config/export-options.ts";
import type { GpuReport, SideReport } from "../export/run-report.ts";
import { configureGpuTelemetry, finalizeGpuTelemetry, gpuTelemetryConfig } from "./gpu-telemetry.ts";
import type { ServiceRequest, Supervisor } from "./supervisor.ts";

/** The profiling phase in epoch ns (null when it never started). */
type Window = { startNs: number | null; endNs: number | null };
/** The run's totals GPU telemetry's energy metrics divide by. */
type Totals = { outputTokens: number | null; requests: number | null };
type CollectorReports = { gpu?: GpuReport; serverMetrics?: SideReport };
/** `serverMetrics` / `gpu`: which collectors are actually on (configured without error). */
export type Collectors = { serverMetrics: boolean; gpu: boolean; finalize(window: Window, totals: Totals): Promise<CollectorReports> };

const SERVER_METRICS = "server-metrics:0";

/** The collector services this run starts; `gpu`: whether GPU telemetry has a target (gpu-probe.ts). */
export function collectorServices(cfg: ResolvedProfile, gpu = !cfg.noGpuTelemetry): ServiceRequest[] {
  return [...(serverMetricsUrls(cfg).length > 0 ? [{ role: "server-metrics", id: "0" }] : []), ...(gpu ? gpuTelemetryServices() : [])];
}

/** GPU telemetry alone: a profile run starts it once its probe has found a target, after the others. */
export function gpuTelemetryServices(): ServiceRequest[] {
  return [{ role: "gpu-telemetry", id: "0" }];
}

/** Configures whichever collectors were started; those that fail to configure are dropped. */
export async function startCollectors(
  cfg: ResolvedProfile,
  sup: Supervisor,
  log: ConsolaInstance,
  artifactDir: string,
  gpu = !cfg.noGpuTelemetry,
): Promise<Collectors> {
  const urls = serverMetricsUrls(cfg);
  const serverMetricsOn =
    urls.length > 0 &&
    (await sup.command(SERVER_METRICS, "configure", { urls, intervalMs: serverMetricsIntervalMs(process.env), artifactDir }).then(
      () => true,
      (e: Error) => (log.warn(`Server metrics disabled: ${e.message}`), false),
    ));
  const gpuConfig = { ...gpuTelemetryConfig(cfg, artifactDir), jsonlName: exportPlanOf(cfg).files.gpuTelemetry };
  const gpuOn = gpu && (await configureGpuTelemetry(sup, log, gpuConfig));
  return {
    serverMetrics: serverMetricsOn,
    gpu: gpuOn,
    async finalize(window, totals) {
      const out: CollectorReports = {};
      if (gpuOn) {
        const gpu = await finalizeGpuTelemetry(sup, log, gpuConfig, window, totals);
        if (gpu !== undefined) out.gpu = gpu;
      }
      if (serverMetricsOn) {
        const sm = await sup
          .command(SERVER_METRICS, "finalize", { profilingStartWallNs: window.startNs, profilingEndWallNs: window.endNs }, 60_000)
          .catch((e: Error) => (log.warn(`Server metrics not written: ${e.message}`), undefined));
        if (sm !== undefined) out.serverMetrics = sm;
      }
      return out;
    },
  };
}
