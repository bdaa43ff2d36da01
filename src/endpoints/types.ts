/**
 * The contract of one endpoint type: where it is served, how a turn becomes a request body, and
 * how one response payload (an SSE message or a whole body) is read back. A built-in type is one
 * module implementing this, its name in ENDPOINT_TYPES and a registerEndpoint call in the
 * registry; a plugin's is the same object, registered when the plugin loads.
 */
import type { ParsedResponse, Skip } from "./parsed.ts";

export type { ParsedResponse, Skip } from "./parsed.ts";

export type TurnInput = {
  model: string;
  /** Text contents of the turn (a batch of prompts for embeddings/rankings). */
  texts: string[];
  maxTokens: number | null;
  /** Image URLs or data URIs (chat only), sent as image_url parts. */
  images?: string[];
  /** Audio clips as "format,base64" (chat only), sent as input_audio parts. */
  audios?: string[];
  /** Message role (file datasets may set it); default "user". */
  role?: string;
  /** Text contents by their dataset name (`query`, `passages`…), for the template endpoint. */
  textsByName?: Record<string, string[]>;
  /** A ready request body from the dataset (inputs_json), which the raw endpoint sends as is. */
  payload?: Record<string, unknown>;
};

export type BuildOptions = {
  streaming: boolean;
  /** --use-legacy-max-tokens: chat sends max_tokens (servers that predate max_completion_tokens). */
  useLegacyMaxTokens?: boolean;
  /** --extra-inputs, for types that read settings from them (template's payload_template). */
  extras?: readonly [string, unknown][];
};

/** Per-run parse settings: --extra-inputs response_field (raw, template). */
type ParseOptions = { responseField?: string };

export interface Endpoint {
  /** The --endpoint-type value (lower case, unique across built-ins and plugins). */
  name: string;
  defaultPath: string;
  /** A different path for streaming requests (TGI's /generate_stream); default `defaultPath`. */
  streamPath?: string;
  /** What the replies are: picks the console title and, for rankings, query-plus-passages turns. */
  category: "llm" | "embeddings" | "rankings" | "images" | "audio";
  streams: boolean;
  /** Replies are generated tokens, so ISL/OSL/TTFT apply. */
  producesTokens: boolean;
  /** The prompt is tokenized (ISL applies) though replies are not tokens; default `producesTokens`. */
  tokenizesInput?: boolean;
  buildBody(turn: TurnInput, opts: BuildOptions): Record<string, unknown>;
  /** Where --extra-inputs go; default: top-level keys that override generated ones. */
  mergeExtras?(body: Record<string, unknown>, extras: readonly [string, unknown][]): void;
  /** One SSE data payload (with its `event:` name, if any) or one whole body. */
  parseResponse(payload: string, event?: string, opts?: ParseOptions): ParsedResponse | Skip;
  /** The worker sends the stored JSON body as multipart/form-data (audio uploads). */
  multipart?: boolean;
  /** Credential headers for the API key; default `Authorization: Bearer <key>`. */
  headers?(apiKey: string): Record<string, string>;
}
