/** The server-metrics service's "configure" and "finalize" payloads and its finalize reply. */
import * as v from "valibot";

/**
 * Upstream scrapes every 0.1 s. Counter and histogram deltas do not depend on the interval here
 * (the window edges get scrapes of their own), only gauge statistics do, so a 1 s default keeps
 * the load on the server and on this process low; AIPERF_SERVER_METRICS_COLLECTION_INTERVAL
 * (seconds, read by the controller) makes it finer.
 */
const DEFAULT_INTERVAL_MS = 1000;

export const ServerMetricsConfig = v.object({
  urls: v.array(v.string()),
  intervalMs: v.optional(v.pipe(v.number(), v.minValue(10)), DEFAULT_INTERVAL_MS),
  timeoutMs: v.optional(v.pipe(v.number(), v.minValue(1)), 5000),
  artifactDir: v.string(),
});
export type ServerMetricsConfig = v.InferInput<typeof ServerMetricsConfig>;

export const ServerMetricsFinalize = v.object({
  profilingStartWallNs: v.optional(v.nullable(v.number())),
  profilingEndWallNs: v.optional(v.nullable(v.number())),
});
export type ServerMetricsFinalize = v.InferInput<typeof ServerMetricsFinalize>;

export type ServerMetricsResult = { consoleText: string; files: string[] };
