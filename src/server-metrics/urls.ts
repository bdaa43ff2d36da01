/** Which /metrics endpoints a profile scrapes (reference/aiperf-features.md §7.6). */
import { normalizeUrl } from "../config/resolve.ts";

/**
 * `<base>/metrics` of every inference URL (the server under test usually serves its metrics
 * there), then the --server-metrics URLs, `/metrics` added to a bare host, duplicates once.
 */
export function serverMetricsUrls(opts: { urls: readonly string[]; serverMetrics?: readonly string[]; noServerMetrics?: boolean }): string[] {
  if (opts.noServerMetrics === true) return [];
  const extra = (opts.serverMetrics ?? []).map((u) => {
    const url = normalizeUrl(u);
    return /^https?:\/\/[^/]+$/i.test(url) ? `${url}/metrics` : url;
  });
  return [...new Set([...opts.urls.map((u) => `${u}/metrics`), ...extra])];
}

/** The scrape interval: AIPERF_SERVER_METRICS_COLLECTION_INTERVAL (seconds, as upstream) when set. */
export function serverMetricsIntervalMs(env: Record<string, string | undefined>): number | undefined {
  const s = Number(env.AIPERF_SERVER_METRICS_COLLECTION_INTERVAL);
  return env.AIPERF_SERVER_METRICS_COLLECTION_INTERVAL !== undefined && Number.isFinite(s) && s > 0 ? Math.max(10, s * 1000) : undefined;
}
