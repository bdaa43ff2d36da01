/** `createMockServer`: the OpenAI-compatible mock on Bun.serve, for the CLI and for tests in-process. */
import { createMockDcgm, withDcgmLoad } from "./dcgm.ts";
import { faultPlanner } from "./faults.ts";
import { dialectHandler } from "./dialect-handler.ts";
import { embeddingsHandler, generationHandler, type HandlerContext, rankingHandler, rerankHandler } from "./handlers.ts";
import { tgiGenerate, tgiGenerateStream } from "./tgi.ts";
import { anthropicMessages } from "./anthropic.ts";
import { createOpenaiResponses, ResponseStore } from "./openai-responses.ts";
import { imagesHandler } from "./images.ts";
import { imageEditsHandler } from "./image-edits.ts";
import { transcriptionHandler } from "./transcription.ts";
import { createMockMetrics } from "./metrics.ts";
import { type MockServerOptions, resolveMockServerOptions } from "./options.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { createRng, randomSeed } from "../core/rng.ts";
import { errorResponse, modelList } from "./responses.ts";
import { WriteLog } from "./write-log.ts";
import { CONTROL_PATHS, createControlLog } from "./control.ts";

export interface MockServer {
  /** e.g. `http://127.0.0.1:8000` (no trailing slash). */
  url: string;
  port: number;
  /** The fault seed in use: --random-seed, or the random one picked when none was given. */
  seed: number;
  options: MockServerOptions;
  /** Stops listening and drops open connections (streams in progress end abruptly). */
  stop(): Promise<void>;
}

/** Benchmark aids, all off by default and not reachable from the CLI. */
interface MockServerDebug {
  /**
   * Record when each streamed token was written (host-wide monotonic ns, see write-log.ts) and
   * serve the log at GET /debug/writes, which empties it. Memory grows with every request until read.
   */
  recordWrites?: boolean;
}

const POST_PATHS = [
  ...CONTROL_PATHS,
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/embeddings",
  "/v1/ranking",
  "/generate",
  "/generate_stream",
  "/v2/rerank",
  "/rerank",
  "/v1/messages",
  "/v1/responses",
  "/v1/images/generations",
  "/v1/audio/transcriptions",
  "/v1/images/edits",
];
const GET_PATHS = ["/v1/models", "/health", "/metrics", "/dcgm/metrics"];

/** Starts listening at once; `port: 0` picks a free port (read it back from the result). */
export function createMockServer(partial: Partial<MockServerOptions> = {}, debug: MockServerDebug = {}): MockServer {
  const options = resolveMockServerOptions(partial);
  const seed = options.randomSeed ?? randomSeed();
  const metrics = createMockMetrics();
  const dcgm = createMockDcgm();
  let sequence = 0;
  const control = createControlLog();
  const ctx: HandlerContext = {
    options,
    metrics: control.counting(withDcgmLoad(metrics, dcgm)),
    planFaults: faultPlanner(options, createRng(seed).next),
    nextId: (prefix) => `${prefix}-mock-${++sequence}`,
    writes: debug.recordWrites === true ? new WriteLog() : undefined,
  };
  const writes = ctx.writes;
  const started = Math.floor(Date.now() / 1000);
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    // Errors must come back as JSON, never as Bun's HTML error page.
    development: false,
    // Bun turns SO_REUSEPORT on when development is off; then a second server on a busy port would
    // start "successfully" and share the traffic instead of failing with EADDRINUSE.
    reusePort: false,
    routes: {
      "/v1/chat/completions": { POST: generationHandler(ctx, "chat") },
      "/v1/completions": { POST: generationHandler(ctx, "completions") },
      "/v1/embeddings": { POST: embeddingsHandler(ctx) },
      "/v1/ranking": { POST: rankingHandler(ctx) },
      "/generate": { POST: dialectHandler(ctx, tgiGenerate) },
      "/generate_stream": { POST: dialectHandler(ctx, tgiGenerateStream) },
      "/v2/rerank": { POST: rerankHandler(ctx, "cohere") },
      "/rerank": { POST: rerankHandler(ctx, "tei") },
      "/v1/messages": { POST: dialectHandler(ctx, anthropicMessages) },
      "/v1/responses": {
        POST: dialectHandler(
          ctx,
          createOpenaiResponses(new ResponseStore(), () => ctx.metrics.responsesChained()),
        ),
      },
      "/v1/images/generations": { POST: imagesHandler(ctx) },
      "/v1/audio/transcriptions": { POST: transcriptionHandler(ctx) },
      "/v1/images/edits": { POST: imageEditsHandler(ctx) },
      "/reset_prefix_cache": { POST: control.handler("/reset_prefix_cache") },
      "/start_profile": { POST: control.handler("/start_profile") },
      "/stop_profile": { POST: control.handler("/stop_profile") },
      "/debug/control": { GET: control.log },
      "/v1/models": { GET: () => Response.json(modelList(options.model, started)) },
      "/health": { GET: () => Response.json({ status: "ok" }) },
      "/metrics": { GET: () => new Response(metrics.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } }) },
      "/dcgm/metrics": { GET: () => new Response(dcgm.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } }) },
      // Without recordWrites this answers exactly as an unknown path does.
      "/debug/writes": {
        GET: () => (writes === undefined ? errorResponse(404, "No route for GET /debug/writes", "not_found_error") : Response.json(writes.drain())),
      },
    },
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (POST_PATHS.includes(path) || GET_PATHS.includes(path)) {
        const allowed = POST_PATHS.includes(path) ? "POST" : "GET";
        return new Response(
          JSON.stringify({
            error: { message: `Method ${req.method} not allowed on ${path} (use ${allowed})`, type: "invalid_request_error", param: null, code: 405 },
          }),
          {
            status: 405,
            headers: { "content-type": "application/json", allow: allowed },
          },
        );
      }
      return errorResponse(404, `No route for ${req.method} ${path}`, "not_found_error");
    },
    error(error) {
      return errorResponse(500, `Mock server error: ${error.message}`, "server_error");
    },
  });
  const port = server.port ?? options.port;
  return {
    url: new URL(server.url).origin,
    port,
    seed,
    options,
    stop: () => server.stop(true),
  };
}
