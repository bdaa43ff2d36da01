/**
 * The controller's side of GPU telemetry: which exporter URLs to scrape, configuring the
 * gpu-telemetry service, and after the records finalize, asking it for its summary, which the
 * run report (export/run-report.ts) renders. Telemetry is a side view: every failure here is a warning.
 */
import type { ConsolaInstance } from "consola";
import { BenchError } from "../core/errors.ts";
import { isElfForThisMachine, NVML_LIBRARY, NVML_LIBRARY_ENV, nvmlOverride } from "../core/system-library.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import type { GpuReport } from "../export/run-report.ts";
import { FIELDS } from "../services/gpu-telemetry/fields.ts";
import { GPU_PLATFORM, UPSTREAM_GPU_FIELDS } from "../services/gpu-telemetry/summary.ts";
import type { GpuTelemetryConfig } from "../protocol/gpu-telemetry.ts";
import type { Supervisor } from "./supervisor.ts";

/** Upstream tries both DCGM exporter ports unless told otherwise. */
export const DEFAULT_DCGM_URLS = ["http://localhost:9400/metrics", "http://localhost:9401/metrics"];
const DEFAULT_INTERVAL_S = 0.333;
const SERVICE = "gpu-telemetry:0";

/** `host:port` → `http://host:port/metrics`; a URL with a path keeps it (upstream's normalisation). */
export function normalizeDcgmUrl(url: string): string {
  const withScheme = /^https?:\/\//i.test(url) ? url : `http://${url}`;
  // A malformed URL is passed on as given: its first scrape fails and says so, the run goes on.
  if (!URL.canParse(withScheme)) return withScheme;
  const u = new URL(withScheme);
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/metrics";
  return u.toString().replace(/\/$/, "");
}

export function gpuTelemetryConfig(
  cfg: Pick<ResolvedProfile, "gpuTelemetry">,
  artifactDir: string,
  env: Record<string, string | undefined> = process.env,
): GpuTelemetryConfig {
  const explicit = cfg.gpuTelemetry.length > 0;
  const seconds = Number(env.AIPERF_GPU_COLLECTION_INTERVAL);
  const intervalMs = Math.round(1000 * (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_INTERVAL_S));
  return {
    urls: [...new Set((explicit ? cfg.gpuTelemetry : DEFAULT_DCGM_URLS).map(normalizeDcgmUrl))],
    intervalMs: Math.max(10, intervalMs),
    artifactDir,
    useNvml: true,
    explicit,
  };
}

/**
 * A bad AIPERF_NVML_LIBRARY stops the run before anything starts (exit 2): the user named a file,
 * so a relative path (which would be looked up from the cwd) or a missing one is their mistake to fix.
 */
export function checkNvmlOverride(env: Record<string, string | undefined> = process.env): void {
  const override = nvmlOverride(env);
  if (override === undefined) return;
  const hint = `Set ${NVML_LIBRARY_ENV} to the full path of ${NVML_LIBRARY} (e.g. /usr/lib/x86_64-linux-gnu/${NVML_LIBRARY}), unset it to search the system's library directories, or pass --no-gpu-telemetry`;
  if ("error" in override) throw new BenchError("CONFIG_INVALID", override.error, { hint });
  if (!isElfForThisMachine(override.path)) {
    throw new BenchError(
      "CONFIG_INVALID",
      `${NVML_LIBRARY_ENV}="${override.path}" is not a 64-bit shared library for this machine (missing, unreadable or another architecture)`,
      { hint },
    );
  }
}

/** Configures the service; false (and a warning) if it could not be. */
export async function configureGpuTelemetry(sup: Supervisor, log: ConsolaInstance, config: GpuTelemetryConfig): Promise<boolean> {
  try {
    await sup.command(SERVICE, "configure", config);
    return true;
  } catch (error) {
    log.warn(`GPU telemetry disabled: ${(error as Error).message}`);
    return false;
  }
}

type Window = { startNs: number | null; endNs: number | null };
/** The run's totals the energy metrics divide by (null: unknown, e.g. the records were lost). */
type Totals = { outputTokens: number | null; requests: number | null };

/**
 * Finalizes the service with the run's window and totals and returns its part of the report
 * (undefined when it collected nothing or failed). Its console tables are shown only when the user
 * asked for telemetry by URL, as upstream shows them.
 */
export async function finalizeGpuTelemetry(
  sup: Supervisor,
  log: ConsolaInstance,
  config: GpuTelemetryConfig,
  window: Window,
  totals: Totals,
): Promise<GpuReport | undefined> {
  try {
    const r = await sup.command(
      SERVICE,
      "finalize",
      {
        profilingStartWallNs: window.startNs,
        profilingEndWallNs: window.endNs,
        totalOutputTokens: totals.outputTokens,
        requestCount: totals.requests,
      },
      30_000,
    );
    if (!r.collected) return undefined;
    // The CSV's GPU section follows the metrics (energy is a window delta in J there too).
    const unit = new Map(FIELDS.map((f) => [f.field, f.unit]));
    const csvFields = UPSTREAM_GPU_FIELDS.map((f) => ({
      key: f.key,
      header: f.header,
      unit: f.field === "energy_consumption" ? "J" : (unit.get(f.field) ?? ""),
    }));
    return { telemetry: r.telemetry, energy: r.energy, csvFields, platform: GPU_PLATFORM, consoleText: config.explicit ? r.consoleText : "", files: r.files };
  } catch (error) {
    log.warn(`GPU telemetry not written: ${(error as Error).message}`);
    return undefined;
  }
}
