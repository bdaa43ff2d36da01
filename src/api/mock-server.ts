/** `startMockServer(options)`: the built-in OpenAI-compatible mock, for tests that need a server. */
import { BenchError } from "../core/errors.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { createMockServer } from "../mock-server/server.ts";
import { MOCK_SERVER_DEFAULTS, type MockServerOptions } from "../mock-server/options.ts";

export type { MockServerOptions } from "../mock-server/options.ts";

export type MockServerHandle = {
  /** e.g. `http://127.0.0.1:41234`: give it to profile() as `url`. */
  url: string;
  port: number;
  /** The fault seed in use (randomSeed, or the one picked), to replay a run's faults. */
  seed: number;
  options: MockServerOptions;
  /** Stops listening; open streams end. */
  stop(): Promise<void>;
};

/**
 * Starts the mock on 127.0.0.1 and a free port (unless `port` is given) with its timing
 * (`ttft`, `itl`, `osl`, `tokensPerChunk`) and faults (`errorRate`, `resetRate`, `stallRate`, `stallMs`).
 */
export async function startMockServer(options: Partial<MockServerOptions> = {}): Promise<MockServerHandle> {
  const known = Object.keys(MOCK_SERVER_DEFAULTS);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = didYouMean(key, known);
    throw new BenchError("CONFIG_INVALID", `Unknown startMockServer() option "${key}"${near === undefined ? "" : `; did you mean ${near}?`}`, {
      hint: `The options are ${known.join(", ")}`,
    });
  }
  const server = createMockServer({ port: 0, ...options });
  return { url: server.url, port: server.port, seed: server.seed, options: server.options, stop: () => server.stop() };
}
