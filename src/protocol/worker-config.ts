/** The worker's "configure" command payload: where to get credits, where to send raw records, what to call. */
import * as v from "valibot";
import type { LoopLag } from "./client-check.ts";

const endpoint = v.pipe(v.string(), v.minLength(1));

export const WorkerConfig = v.object({
  /** The timing service's credits ROUTER; the worker connects a DEALER whose identity is its service name. */
  creditsEndpoint: endpoint,
  /** Every record processor's raw-records PULL; one PUSH connects to all and round-robins. */
  processorEndpoints: v.pipe(v.array(endpoint), v.minLength(1)),
  /** dataset.bin written by the dataset service; request bodies are read from it. */
  datasetPath: v.pipe(v.string(), v.minLength(1)),
  /** Server base URLs, used round robin per request. */
  urls: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  /** The endpoint path, already resolved from the endpoint type or --custom-endpoint. */
  endpointPath: v.string(),
  /** Picks the credential headers (Anthropic's x-api-key); absent = Authorization: Bearer. */
  endpointType: v.optional(v.pipe(v.string(), v.minLength(1))),
  streaming: v.boolean(),
  /** Every turn goes out exactly as stored, no session history threaded in (raw_payload datasets). */
  verbatimTurns: v.optional(v.boolean(), false),
  apiKey: v.optional(v.string()),
  /** User -H headers in order; they override the built-in ones. */
  headers: v.optional(v.array(v.tuple([v.string(), v.string()])), []),
  /** Deadline of one request from send to body end; 0 = none. */
  requestTimeoutSeconds: v.pipe(v.number(), v.minValue(0)),
  /** --session-header: the header carrying the session id (default X-Correlation-ID). */
  sessionHeader: v.optional(v.string()),
  /** --connection-reuse-strategy never: every request on a new connection, closed after the reply. */
  freshConnections: v.optional(v.boolean(), false),
  /** --request-content-type: multipart/form-data sends the stored JSON's fields as a form (default: the endpoint type's own). */
  multipart: v.optional(v.boolean()),
  /** --max-response-bytes: a reply body is not read past this; 0 = no limit. */
  maxResponseBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  /** --transport: fetch, raw (services/worker/) or a transport a plugin registered (endpoints/transport.ts). */
  transport: v.optional(v.pipe(v.string(), v.minLength(1)), "fetch"),
  /** The records' worker_id when it is not the service name: a worker node's "node-1/worker-0". */
  workerId: v.optional(v.pipe(v.string(), v.minLength(1))),
});
export type WorkerConfig = v.InferOutput<typeof WorkerConfig>;

export function parseWorkerConfig(payload: unknown): WorkerConfig {
  return v.parse(WorkerConfig, payload);
}

/** What "configure" answers. */
export type WorkerConfigured = { worker: string; urls: string[] };

/** What "stats" answers. */
export type WorkerStats = {
  credits: number;
  completed: number;
  inFlight: number;
  /** Requests that ended with a transport error, timeout or cancellation (HTTP status errors excluded). */
  transportErrors: number;
  cancelled: number;
  batches: number;
  /** Event-loop lag since the first profiling credit (or since start when none came yet). */
  loopLag?: LoopLag;
};
