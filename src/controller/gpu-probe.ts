/**
 * Whether a run's GPU telemetry has anything to read, decided before the services start: with no
 * NVML library on the machine and nothing listening on the default DCGM exporter ports, the
 * gpu-telemetry service would start (a process, ~50 MiB, tens of ms of CPU at launch), find
 * nothing and write nothing. Then it is not started at all; the run's output is the same.
 * URLs the user named (--gpu-telemetry) always start it: it reports the ones that do not answer.
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { locateNvml } from "../core/system-library.ts";
import { gpuTelemetryConfig } from "./gpu-telemetry.ts";

/** A port that neither accepts nor refuses (a firewall dropping SYNs) counts as a target after this. */
const CONNECT_MS = 250;

/** `defaultUrls`: the exporters tried when none is named (tests point them elsewhere). */
export async function gpuTelemetryHasTarget(
  cfg: Pick<ResolvedProfile, "gpuTelemetry" | "noGpuTelemetry">,
  env: Record<string, string | undefined> = process.env,
  defaultUrls: readonly string[] = gpuTelemetryConfig(cfg, "", env).urls,
): Promise<boolean> {
  if (cfg.noGpuTelemetry) return false;
  if (cfg.gpuTelemetry.length > 0) return true;
  if ("path" in locateNvml({ env })) return true;
  const urls = defaultUrls;
  const answers = await Promise.all(urls.map(accepts));
  return answers.some((a) => a);
}

/** True when something accepts a TCP connection at the URL's host and port (or it cannot be told in time). */
async function accepts(url: string): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return true;
  }
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  const hostname = u.hostname.replace(/^\[|\]$/g, "");
  let timer: Timer | undefined;
  const connected = Bun.connect({ hostname, port, socket: { data() {}, error() {} } }).then(
    (socket) => (socket.end(), true),
    () => false,
  );
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CONNECT_MS)));
  try {
    return await Promise.race([connected, late]);
  } finally {
    clearTimeout(timer);
  }
}
