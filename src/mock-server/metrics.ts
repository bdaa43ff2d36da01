/** What the mock reports on GET /metrics, named like a serving engine's metrics so scrapers have something real to read. */
import { counter, gauge, histogram, type Metric } from "./prometheus.ts";

export type Endpoint = "chat" | "completions" | "embeddings" | "rankings" | "generate" | "rerank" | "messages" | "responses" | "images" | "transcriptions";
export type FaultKind = "error" | "reset" | "stall";

/** Requests the mock pretends fit in its KV cache: usage is in-flight requests over this, capped at 1. */
const KV_CACHE_REQUESTS = 256;

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

export interface MockMetrics {
  requestStarted(): void;
  /** Once per request, however it ended (`status` "reset" or "cancelled" for streams that did not finish). */
  requestFinished(endpoint: Endpoint, status: string, seconds: number): void;
  promptTokens(count: number): void;
  generatedTokens(count: number): void;
  firstToken(seconds: number): void;
  fault(kind: FaultKind): void;
  /** A Responses request named a stored reply as previous_response_id. */
  responsesChained(): void;
  render(): string;
}

export function createMockMetrics(): MockMetrics {
  const requests = counter("aiperf_mock_requests_total", "Requests finished, by endpoint and outcome (HTTP status, reset or cancelled).", true);
  const inFlight = gauge("aiperf_mock_requests_in_flight", "Requests being served now.");
  const kvCache = gauge("aiperf_mock_kv_cache_usage_perc", `KV-cache usage as a fraction (1 = full), modelled as in-flight requests / ${KV_CACHE_REQUESTS}.`);
  let running = 0;
  const setRunning = (by: number): void => {
    running += by;
    inFlight.add(by);
    kvCache.set(Math.min(1, running / KV_CACHE_REQUESTS));
  };
  const prompt = counter("aiperf_mock_prompt_tokens_total", "Prompt tokens received (approximate: whitespace-separated words).");
  const generated = counter("aiperf_mock_generation_tokens_total", "Tokens generated (written to clients).");
  const faults = counter("aiperf_mock_faults_total", "Injected faults, by kind.", true);
  const chained = counter("aiperf_mock_responses_chained_total", "Responses requests that continued a stored response (previous_response_id).");
  const ttft = histogram("aiperf_mock_time_to_first_token_seconds", "Time from request arrival to the first token write.", LATENCY_BUCKETS);
  const latency = histogram("aiperf_mock_request_duration_seconds", "Time from request arrival to the end of the response, by endpoint.", LATENCY_BUCKETS);
  const all: Metric[] = [requests, inFlight, kvCache, prompt, generated, faults, chained, ttft, latency];
  return {
    requestStarted: () => setRunning(1),
    requestFinished(endpoint, status, seconds) {
      setRunning(-1);
      requests.inc({ endpoint, status });
      latency.observe(seconds, { endpoint });
    },
    promptTokens: (count) => prompt.inc({}, count),
    generatedTokens: (count) => generated.inc({}, count),
    firstToken: (seconds) => ttft.observe(seconds),
    fault: (kind) => faults.inc({ kind }),
    responsesChained: () => chained.inc({}),
    render: () => all.map((m) => m.render()).join(""),
  };
}
