/** The mock server's settings: one valibot schema for the CLI flags, one for in-process callers, same rules. */
import * as v from "valibot";
import { BenchError } from "../core/errors.ts";

const millis = v.pipe(v.number(), v.minValue(0), v.maxValue(3_600_000));
const percent = v.pipe(v.number(), v.minValue(0), v.maxValue(100));
const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65_535));
const host = v.pipe(v.string(), v.minLength(1));
const tokens = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000));
const seed = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff_ffff)));
const model = v.pipe(v.string(), v.minLength(1));
const embeddingSize = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_536));
const perChunk = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000));

const MockServerOptionsSchema = v.object({
  host,
  port,
  /** Milliseconds from request arrival to the first token (also the latency of embeddings and rankings). */
  ttft: millis,
  /** Milliseconds between two tokens. */
  itl: millis,
  /** Tokens generated when the request names no max_completion_tokens / max_tokens. */
  osl: tokens,
  errorRate: percent,
  resetRate: percent,
  stallRate: percent,
  stallMs: millis,
  /** Undefined: a random seed, reported by `createMockServer` so a run can be replayed. */
  randomSeed: seed,
  model,
  embeddingSize,
  /** Generated tokens packed into one SSE chunk (speculative decoding, buffered reasoning); 1 = one per chunk. */
  tokensPerChunk: v.optional(perChunk, 1),
});
export type MockServerOptions = v.InferOutput<typeof MockServerOptionsSchema>;

export const MOCK_SERVER_DEFAULTS: MockServerOptions = {
  host: "127.0.0.1",
  port: 8000,
  ttft: 20,
  itl: 5,
  osl: 32,
  errorRate: 0,
  resetRate: 0,
  stallRate: 0,
  stallMs: 1000,
  randomSeed: undefined,
  model: "mock-model",
  embeddingSize: 384,
  tokensPerChunk: 1,
};

/**
 * The CLI's view: kebab-case names, so a bad value is reported under the flag the user typed, with
 * the rule read from these pipes (cli/flags.ts ruleOf: "expected an integer from 0 to 65535").
 */
export const MockServerFlagsSchema = v.object({
  host,
  port,
  ttft: millis,
  itl: millis,
  osl: tokens,
  "error-rate": percent,
  "reset-rate": percent,
  "stall-rate": percent,
  "stall-ms": millis,
  "random-seed": seed,
  model,
  "embedding-size": embeddingSize,
  "tokens-per-chunk": v.optional(perChunk, 1),
});
type MockServerFlags = v.InferOutput<typeof MockServerFlagsSchema>;

export function optionsFromFlags(flags: MockServerFlags): MockServerOptions {
  return {
    host: flags.host,
    port: flags.port,
    ttft: flags.ttft,
    itl: flags.itl,
    osl: flags.osl,
    errorRate: flags["error-rate"],
    resetRate: flags["reset-rate"],
    stallRate: flags["stall-rate"],
    stallMs: flags["stall-ms"],
    randomSeed: flags["random-seed"],
    model: flags.model,
    embeddingSize: flags["embedding-size"],
    tokensPerChunk: flags["tokens-per-chunk"],
  };
}

/** Fills in defaults and checks every value; a bad one throws a BenchError naming the option. */
export function resolveMockServerOptions(partial: Partial<MockServerOptions> = {}): MockServerOptions {
  const result = v.safeParse(MockServerOptionsSchema, { ...MOCK_SERVER_DEFAULTS, ...partial });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = issue?.path?.map((p) => String(p.key)).join(".") ?? "?";
  throw new BenchError("CONFIG_INVALID", `Invalid mock server option ${key}: ${issue?.message ?? "not allowed"}`);
}
