/**
 * The live dashboard's view of one endpoint: the load gauges of its latest scrape (KV-cache usage,
 * requests running and waiting), read from the stored snapshot text once a second, never per
 * request. Same names as the final console lines (export.ts): vLLM, SGLang, TGI, the mock server.
 */
import type { Snapshot } from "./collector.ts";

const GAUGES = {
  kvCachePct: [/^vllm:(gpu_)?(kv_)?cache_usage_perc$/, /kv_cache_usage/, /token_usage/],
  running: [/^vllm:num_requests_running$/, /num_running_reqs/, /requests_in_flight/],
  waiting: [/^vllm:num_requests_waiting$/, /num_queue_reqs/, /requests_waiting/],
} as const;

export function liveGauges(snapshot: Snapshot | undefined): { kvCachePct?: number; running?: number; waiting?: number } {
  if (snapshot === undefined) return {};
  const metrics = JSON.parse(snapshot.metricsJson) as Record<string, { value?: number }[]>;
  const names = Object.keys(metrics);
  const out: { kvCachePct?: number; running?: number; waiting?: number } = {};
  for (const [key, patterns] of Object.entries(GAUGES) as [keyof typeof GAUGES, readonly RegExp[]][]) {
    const name = patterns.map((p) => names.find((n) => p.test(n))).find((n) => n !== undefined);
    if (name === undefined) continue;
    // Summed over the series (one per model or engine); a fraction shown as a percentage.
    const total = (metrics[name] ?? []).reduce((a, s) => a + (s.value ?? 0), 0);
    out[key] = key === "kvCachePct" ? total * 100 : total;
  }
  return out;
}
