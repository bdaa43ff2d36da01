/**
 * Server control requests (upstream's endpoint control hooks): --reset-kv-cache POSTs to each
 * server's /reset_prefix_cache once before the run, --server-profiler POSTs /start_profile before
 * the profiling phase and /stop_profile after it (vLLM's and SGLang's routes). Each is an empty-body
 * POST to every distinct origin of --url, with the run's credentials; any 2xx is success. They go
 * on their own fetch calls with their own timeout (30 s unless set), never through the workers.
 */
import { VERSION } from "../core/version.ts";

export const DEFAULT_CONTROL_TIMEOUT_SEC = 30;
export const DEFAULT_RESET_KV_CACHE_PATH = "/reset_prefix_cache";
export const DEFAULT_PROFILER_START_PATH = "/start_profile";
export const DEFAULT_PROFILER_STOP_PATH = "/stop_profile";
/** A reset the server could not take yet (busy, not listening) is retried for this long, as upstream. */
const RESET_RETRY_BUDGET_SEC = 60;
const BACKOFF_FIRST_SEC = 1;
const BACKOFF_CAP_SEC = 8;
/** "Busy, try again" answers; any other non-2xx is a real refusal and is not retried. */
const RETRYABLE_STATUSES = new Set([409, 423, 429, 503]);

/** What the controller hands to whoever sends a hook's requests (it travels in the timing plan). */
export type ControlCalls = { urls: string[]; headers: Record<string, string>; timeoutSec: number };

class ControlRequestError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = "ControlRequestError";
    this.retryable = retryable;
  }
}

/** `path` on every distinct scheme://host:port of `urls`, in their order. */
export function controlUrls(urls: readonly string[], path: string): string[] {
  const origins = new Set(urls.map((u) => new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`).origin));
  return [...origins].map((origin) => origin + path);
}

/** The run's identity and credentials, as its inference requests carry them. */
export function controlHeaders(apiKey: string | undefined, headers: readonly (readonly [string, string])[]): Record<string, string> {
  const h: Record<string, string> = { "user-agent": `aiperf/${VERSION}` };
  if (apiKey !== undefined && apiKey !== "") h.authorization = `Bearer ${apiKey}`;
  for (const [name, value] of headers) h[name.trim().toLowerCase()] = value;
  return h;
}

/** One empty-body POST; resolves on a 2xx, throws ControlRequestError otherwise. */
async function controlPost(url: string, headers: Record<string, string>, timeoutSec: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body: "", signal: AbortSignal.timeout(timeoutSec * 1000), redirect: "manual" });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    const why = timedOut ? `no answer within ${timeoutSec} s` : error instanceof Error ? error.message : String(error);
    throw new ControlRequestError(`POST ${url} failed: ${why}`, true);
  }
  const text = await res.text().catch(() => "");
  if (res.status >= 200 && res.status < 300) return;
  const detail = text.trim().slice(0, 200);
  throw new ControlRequestError(`POST ${url} answered ${res.status}${detail === "" ? "" : `: ${detail}`}`, RETRYABLE_STATUSES.has(res.status));
}

/**
 * Resets every server's KV cache, in turn; the first failure stops it. A retryable failure (no
 * connection, a timeout, a busy status) is tried again after 1, 2, 4, 8, 8 … s for up to 60 s.
 */
export async function resetKvCache(calls: ControlCalls, retryBudgetSec = RESET_RETRY_BUDGET_SEC): Promise<void> {
  for (const url of calls.urls) {
    const deadline = performance.now() + retryBudgetSec * 1000;
    let backoff = BACKOFF_FIRST_SEC;
    for (;;) {
      try {
        await controlPost(url, calls.headers, calls.timeoutSec);
        break;
      } catch (error) {
        if (!(error instanceof ControlRequestError) || !error.retryable || performance.now() + backoff * 1000 >= deadline) throw error;
        await Bun.sleep(backoff * 1000);
        backoff = Math.min(backoff * 2, BACKOFF_CAP_SEC);
      }
    }
  }
}

/** Starts the profiler on every server; if one fails, those already started are stopped (last first). */
export async function startProfiler(start: ControlCalls, stop: ControlCalls, warn: (m: string) => void): Promise<void> {
  let started = 0;
  try {
    for (const url of start.urls) {
      await controlPost(url, start.headers, start.timeoutSec);
      started++;
    }
  } catch (error) {
    for (const url of stop.urls.slice(0, started).reverse()) {
      await controlPost(url, stop.headers, stop.timeoutSec).catch((e: Error) => warn(`server profiler clean-up stop failed: ${e.message}`));
    }
    throw error;
  }
}

/** Stops the profiler on every server, all of them even when one fails; one error names every failure. */
export async function stopProfiler(stop: ControlCalls): Promise<void> {
  const failures: string[] = [];
  for (const url of stop.urls) await controlPost(url, stop.headers, stop.timeoutSec).catch((e: Error) => failures.push(e.message));
  if (failures.length > 0) throw new ControlRequestError(failures.join("; "), false);
}
