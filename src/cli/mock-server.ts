/** `aiperf mock-server`: an OpenAI-compatible server with scripted timing and injected faults, until SIGINT/SIGTERM. */
import { type ArgsDef, defineCommand } from "citty";
import { BenchError } from "../core/errors.ts";
import { MOCK_SERVER_DEFAULTS as D, MockServerFlagsSchema, optionsFromFlags } from "../mock-server/options.ts";
import { createMockServer, type MockServer } from "../mock-server/server.ts";
import { readCommandFlags } from "./flags.ts";

/**
 * The flags' names and defaults, for the help page and for readCommandFlags, which reads the
 * command line strictly in run(); MockServerFlagsSchema holds the rules their values must meet.
 */
const ARGS = {
  host: { type: "string", default: D.host, description: "Address to listen on" },
  port: { type: "string", default: String(D.port), description: "TCP port; 0 picks a free one (the URL is printed at startup)" },
  ttft: {
    type: "string",
    default: String(D.ttft),
    description: "Milliseconds from request arrival to the first token (also the latency of embeddings and rankings)",
  },
  itl: { type: "string", default: String(D.itl), description: "Milliseconds between two tokens" },
  osl: { type: "string", default: String(D.osl), description: "Tokens per reply when the request sets no max_completion_tokens / max_tokens" },
  "error-rate": { type: "string", default: String(D.errorRate), description: "Percent of requests (0-100) answered with HTTP 500 and an OpenAI-style error" },
  "reset-rate": { type: "string", default: String(D.resetRate), description: "Percent of streams (0-100) whose connection is dropped after a few tokens" },
  "stall-rate": { type: "string", default: String(D.stallRate), description: "Percent of requests (0-100) that pause once mid-stream for --stall-ms" },
  "stall-ms": { type: "string", default: String(D.stallMs), description: "Length of an injected pause, in milliseconds" },
  "random-seed": { type: "string", description: "Seed for the fault draws, for reproducible runs (Default: random, printed at startup)" },
  model: { type: "string", default: D.model, description: "Model listed on /v1/models and echoed when a request names none" },
  "embedding-size": { type: "string", default: String(D.embeddingSize), description: "Dimensions of each embedding vector" },
  "tokens-per-chunk": {
    type: "string",
    default: String(D.tokensPerChunk),
    description: "Generated tokens packed into one SSE chunk, as speculative decoding or a buffering parser sends them",
  },
} satisfies ArgsDef;

export const mockServerCommand = defineCommand({
  meta: {
    name: "mock-server",
    // Short: citty pads every command line of `aiperf --help` to the longest description.
    // The routes: OpenAI chat/completions/embeddings/responses (with stored replies for
    // previous_response_id)/images/audio transcriptions, NIM ranking, Anthropic messages, TGI
    // generate, Cohere and TEI rerank, /v1/models, /health, /metrics, /dcgm/metrics.
    description: "A mock inference server (OpenAI and vendor routes, /metrics) with scripted timing and faults, for demos and tests",
  },
  args: ARGS,
  async run({ rawArgs }) {
    // An unknown flag or a bad value ends here (exit 2), before anything listens.
    const options = optionsFromFlags(readCommandFlags("mock-server", ARGS, MockServerFlagsSchema, rawArgs));
    let server: MockServer;
    try {
      server = createMockServer(options);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new BenchError("COMMAND_FAILED", `Cannot listen on ${options.host}:${options.port}: ${detail}`, {
        hint: "Pick another --port (0 picks a free one) or stop whatever holds this one",
        cause: error,
      });
    }
    // Handlers first: whoever reads "listening" may signal at once, before a later line ran.
    const stopped = nextSignal();
    console.log(`Mock server listening on ${server.url}`);
    console.log(
      `Timing: ttft ${options.ttft} ms, itl ${options.itl} ms, osl ${options.osl}. ` +
        `Faults: error ${options.errorRate}%, reset ${options.resetRate}%, stall ${options.stallRate}% (${options.stallMs} ms), random seed ${server.seed}.`,
    );
    const signal = await stopped;
    console.log(`Received ${signal}: stopping the mock server`);
    await server.stop();
  },
});

/** Resolves on the first SIGINT or SIGTERM; the command then returns, which exits with code 0. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
