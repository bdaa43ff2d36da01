/**
 * Polls every DCGM exporter URL on an interval and keeps the samples in memory (a few per second
 * per GPU: small even for long runs). An endpoint that does not answer its first scrape is
 * reported once and left alone; when none answers, local GPUs are read through NVML if allowed.
 */
import type { ConsolaInstance } from "consola";
import { wallNs } from "../../core/clock.ts";
import { redactUrl } from "../../core/redact.ts";
import type { GpuTelemetryConfig } from "../../protocol/gpu-telemetry.ts";
import { dcgmSamples } from "./dcgm-parse.ts";
import type { GpuSample } from "./fields.ts";
import { type NvmlReader, openNvml } from "./nvml.ts";

/** Upstream allows 5 s for an exporter to answer the first time. */
const PROBE_TIMEOUT_MS = 5000;

export type Collector = {
  readonly samples: GpuSample[];
  /** Takes one last reading, then stops polling. */
  stop(): Promise<void>;
  /** Stops at once without a last reading (shutdown without finalize). */
  close(): void;
};

/** `shown`: the URL as samples, exports and logs carry it, credentials redacted; `url` is what is fetched. */
type Source = { url: string; shown: string; alive: boolean; busy: boolean; failed: boolean };

export function startCollector(cfg: GpuTelemetryConfig, log: ConsolaInstance, openReader: () => NvmlReader | { unavailable: string } = openNvml): Collector {
  const samples: GpuSample[] = [];
  const sources: Source[] = cfg.urls.map((url) => ({ url, shown: redactUrl(url), alive: false, busy: false, failed: false }));
  let nvml: NvmlReader | undefined;
  let stopped = false;
  let timer: Timer | undefined;
  let stopping: Promise<void> | undefined;

  const scrape = async (s: Source, timeoutMs: number): Promise<void> => {
    if (s.busy) return;
    s.busy = true;
    try {
      const t0 = wallNs();
      const res = await fetch(s.url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      const found = dcgmSamples(text, s.shown, (t0 + wallNs()) / 2);
      if (found.length === 0) throw new Error("no DCGM GPU fields in the reply");
      samples.push(...found);
      s.alive = true;
    } catch (error) {
      const reason = (error as Error).message;
      if (!s.alive) {
        const say = cfg.explicit ? log.warn : log.debug;
        say.call(log, `GPU telemetry: ${s.shown} did not answer (${reason}); not collecting from it`);
      } else if (!s.failed) log.debug(`GPU telemetry: a scrape of ${s.shown} failed (${reason}); later failures are not logged`);
      s.failed = true;
    } finally {
      s.busy = false;
    }
  };

  const readNvml = (): void => {
    try {
      if (nvml !== undefined) samples.push(...nvml.read());
    } catch (error) {
      log.debug(`GPU telemetry: NVML read failed (${(error as Error).message})`);
    }
  };

  const tick = (): void => {
    for (const s of sources) if (s.alive) void scrape(s, Math.max(1000, cfg.intervalMs * 3));
    readNvml();
  };

  const probes = Promise.all(sources.map((s) => scrape(s, PROBE_TIMEOUT_MS))).then(() => {
    if (stopped) return;
    if (!sources.some((s) => s.alive) && cfg.useNvml) {
      const reader = openReader();
      if ("unavailable" in reader) log.debug(`GPU telemetry: ${reader.unavailable}`);
      else if (reader.gpuCount === 0) reader.close();
      else {
        nvml = reader;
        log.debug(`GPU telemetry: no DCGM exporter answered; reading ${reader.gpuCount} GPU(s) through NVML`);
        readNvml();
      }
    }
    if (sources.some((s) => s.alive) || nvml !== undefined) timer = setInterval(tick, cfg.intervalMs);
  });

  return {
    samples,
    stop() {
      stopping ??= finish();
      return stopping;
    },
    close() {
      stopped = true;
      clearInterval(timer);
      nvml?.close();
      nvml = undefined;
    },
  };

  async function finish(): Promise<void> {
    await probes;
    stopped = true;
    clearInterval(timer);
    // One reading at the end, so the energy counter brackets the profiling window's end.
    await Promise.all(
      sources
        .filter((s) => s.alive)
        .map(async (s) => {
          while (s.busy) await Bun.sleep(5);
          await scrape(s, 2000);
        }),
    );
    readNvml();
    nvml?.close();
    nvml = undefined;
  }
}
