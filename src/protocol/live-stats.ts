/**
 * Event "records_live": what the records service has seen of the profiling phase so far, for the
 * live dashboard (only when the records service was configured with live: it is the only reader).
 * Counts are since the phase began; percentiles are over the most recent requests
 * only (a bounded ring), so they follow the run as it changes. Sent at most 4 times a second.
 */
export type LivePercentiles = { p50: number; p90: number; p99: number; mean: number };

export type RecordsLive = {
  /** Profiling records received (valid + failed). */
  records: number;
  ok: number;
  failed: number;
  /** Output tokens of the valid records (server count or tokenizer's). */
  outputTokens: number;
  /** How many recent requests the percentiles below are over. */
  window: number;
  /** Milliseconds; absent when no recent request had the value (non-streaming has no TTFT/ITL). */
  ttftMs?: LivePercentiles;
  itlMs?: LivePercentiles;
  latencyMs?: LivePercentiles;
  /** Send lag: how late each request went out after its intended time (a closed loop: after its slot freed). */
  sendLagMs?: LivePercentiles;
  /** Failed records by error type, most frequent first (at most LIVE_ERROR_KINDS kinds, the rest under "other"). */
  errors: [string, number][];
};

export const LIVE_ERROR_KINDS = 8;

/** Event "server_metrics_live", once a second: the latest scrape's load gauges per endpoint. */
export type ServerMetricsLive = { endpoints: { url: string; kvCachePct?: number; running?: number; waiting?: number }[] };

/** Event "gpu_live", once a second: the latest sample of each GPU. */
export type GpuLive = { gpus: { index: number; powerW?: number; utilPct?: number; memUsedGb?: number; tempC?: number }[] };
