/** The record processor's "configure" command payload. */
import * as v from "valibot";

export type { EndpointType } from "./endpoint-types.ts";

/**
 * How replies are parsed into records (src/replies/): what the record processor's "configure"
 * carries beside where to send them, and what the records service gets when it parses itself.
 */
export const ReplyConfig = v.object({
  /** dataset.bin, for input token counts and conversation ids. */
  datasetPath: v.pipe(v.string(), v.minLength(1)),
  endpointType: v.pipe(v.string(), v.minLength(1)),
  /** Informational: like upstream, the response's Content-Type decides SSE versus one JSON body. */
  streaming: v.boolean(),
  /** --use-server-token-count: token counts from the reply's usage where it has them. */
  useServerTokenCount: v.optional(v.boolean(), false),
  /** --extra-inputs response_field: where raw/template replies keep their text. */
  responseField: v.optional(v.string()),
  /** --tokenizer: "builtin", a path or a Hugging Face id; absent = the model's own tokenizer. */
  tokenizer: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** The (first) model name, whose tokenizer is used when `tokenizer` is absent. */
  model: v.optional(v.string()),
  /** --export-outputs-json: keep each reply's generated text on its record. */
  captureText: v.optional(v.boolean()),
  /** --export-level raw: keep the request body and the reply's reads on each record. */
  captureRaw: v.optional(v.boolean()),
  /** --tokenizer-revision. */
  tokenizerRevision: v.optional(v.string()),
});
export type ReplyConfig = v.InferOutput<typeof ReplyConfig>;

export const ProcessorConfig = v.object({
  /** The records service's PULL. */
  recordsEndpoint: v.pipe(v.string(), v.minLength(1)),
  ...ReplyConfig.entries,
});
export type ProcessorConfig = v.InferOutput<typeof ProcessorConfig>;

export function parseProcessorConfig(payload: unknown): ProcessorConfig {
  return v.parse(ProcessorConfig, payload);
}

/** What "bind" answers: the raw-records PULL endpoint workers connect to. */
export type ProcessorBound = { endpoint: string };

/** What "stats" answers. */
export type ProcessorStats = { raw: number; records: number; errors: number; batches: number };

/**
 * The record processor's "preload" command: the same tokenizer inputs the dataset service gets,
 * so the processor can load it while the dataset synthesises; "configure" then names the one the
 * dataset resolved, and the preloaded one is used only when it is that one.
 */
const TokenizerPreload = v.object({
  tokenizer: v.nullable(v.string()),
  model: v.optional(v.string()),
  revision: v.optional(v.string()),
});
export type TokenizerPreload = v.InferInput<typeof TokenizerPreload>;

export function parseTokenizerPreload(payload: unknown): v.InferOutput<typeof TokenizerPreload> {
  return v.parse(TokenizerPreload, payload);
}
