/**
 * --reset-kv-cache* and --server-profiler*: which URLs, headers and timeouts the control requests
 * use (any of a hook's options turns it on, as upstream), and the reset the controller sends once
 * before the run. The profiler's start and stop travel in the timing plan: the timing service
 * brackets the profiling phase with them (services/timing/server-profiler.ts).
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { BenchError } from "../core/errors.ts";
import {
  type ControlCalls,
  controlHeaders,
  controlUrls,
  DEFAULT_CONTROL_TIMEOUT_SEC,
  DEFAULT_PROFILER_START_PATH,
  DEFAULT_PROFILER_STOP_PATH,
  DEFAULT_RESET_KV_CACHE_PATH,
  resetKvCache,
} from "../endpoints/control-requests.ts";

type Hooks = { reset?: ControlCalls; profiler?: { start: ControlCalls; stop: ControlCalls } };

export function controlHooksOf(cfg: ResolvedProfile): Hooks {
  const headers = controlHeaders(
    cfg.apiKey,
    cfg.header.map(([k, v]) => [k, String(v)] as const),
  );
  const calls = (path: string, timeoutSec: number | undefined): ControlCalls => ({
    urls: controlUrls(cfg.urls, path),
    headers,
    timeoutSec: timeoutSec ?? DEFAULT_CONTROL_TIMEOUT_SEC,
  });
  const hooks: Hooks = {};
  if (cfg.resetKvCache || cfg.resetKvCacheTimeoutSeconds !== undefined || cfg.resetKvCachePath !== undefined) {
    hooks.reset = calls(cfg.resetKvCachePath ?? DEFAULT_RESET_KV_CACHE_PATH, cfg.resetKvCacheTimeoutSeconds);
  }
  if (
    cfg.serverProfiler ||
    cfg.serverProfilerTimeoutSeconds !== undefined ||
    cfg.serverProfilerStartPath !== undefined ||
    cfg.serverProfilerStopPath !== undefined
  ) {
    hooks.profiler = {
      start: calls(cfg.serverProfilerStartPath ?? DEFAULT_PROFILER_START_PATH, cfg.serverProfilerTimeoutSeconds),
      stop: calls(cfg.serverProfilerStopPath ?? DEFAULT_PROFILER_STOP_PATH, cfg.serverProfilerTimeoutSeconds),
    };
  }
  return hooks;
}

/** The KV-cache reset before the first request; a failure ends the command before any request (exit 1). */
export async function resetBeforeRun(reset: ControlCalls, log: { info(m: string): void }): Promise<void> {
  try {
    await resetKvCache(reset);
  } catch (error) {
    throw new BenchError("COMMAND_FAILED", `--reset-kv-cache: the KV-cache reset failed, so nothing was sent: ${(error as Error).message}`, {
      hint: "check that the server exposes the route (vLLM: /reset_prefix_cache; SGLang: --reset-kv-cache-path /flush_cache), or leave --reset-kv-cache out",
    });
  }
  log.info(`KV cache reset (${reset.urls.join(", ")})`);
}
