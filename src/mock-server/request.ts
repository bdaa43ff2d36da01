/** Request bodies the mock accepts (extra fields are allowed and ignored), and the 400 for the rest. */
import * as v from "valibot";
import { errorResponse } from "./responses.ts";

const maxTokens = v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))));
const stream = v.optional(v.nullable(v.boolean()));
const model = v.optional(v.nullable(v.string()));
const text = v.looseObject({ text: v.string() });

export const ChatRequest = v.looseObject({
  model,
  messages: v.pipe(v.array(v.unknown()), v.minLength(1, "must hold at least one message")),
  stream,
  stream_options: v.optional(v.nullable(v.looseObject({ include_usage: v.optional(v.nullable(v.boolean())) }))),
  max_completion_tokens: maxTokens,
  max_tokens: maxTokens,
});

export const CompletionRequest = v.looseObject({
  model,
  prompt: v.union([v.string(), v.array(v.unknown())], "must be a string or an array"),
  stream,
  stream_options: v.optional(v.nullable(v.looseObject({ include_usage: v.optional(v.nullable(v.boolean())) }))),
  max_tokens: maxTokens,
});

/** `input`, or vLLM's chat-style `messages` (multimodal embeddings; upstream's chat_embeddings). */
export const EmbeddingsRequest = v.union([
  v.looseObject({
    model,
    input: v.union([v.string(), v.pipe(v.array(v.unknown()), v.minLength(1, "must not be empty"))], "must be a string or an array"),
  }),
  v.looseObject({ model, messages: v.pipe(v.array(v.looseObject({ role: v.string(), content: v.unknown() })), v.minLength(1, "must not be empty")) }),
]);

export const RankingRequest = v.looseObject({
  model,
  query: text,
  passages: v.pipe(v.array(text), v.minLength(1, "must hold at least one passage")),
});

export const CohereRerankRequest = v.looseObject({
  model,
  query: v.string(),
  documents: v.pipe(v.array(v.string()), v.minLength(1, "must hold at least one document")),
});

export const TeiRerankRequest = v.looseObject({
  query: v.string(),
  texts: v.pipe(v.array(v.string()), v.minLength(1, "must hold at least one text")),
});

export type ChatRequest = v.InferOutput<typeof ChatRequest>;
export type CompletionRequest = v.InferOutput<typeof CompletionRequest>;

/** The parsed body, or a 400 whose message says what is wrong and where. */
export async function readBody<S extends v.GenericSchema>(req: Request, schema: S): Promise<v.InferOutput<S> | Response> {
  let raw: unknown;
  const body = await req.text();
  try {
    raw = JSON.parse(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return errorResponse(400, `Request body is not valid JSON (${detail})`, "invalid_request_error");
  }
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const where = issue === undefined ? null : v.getDotPath(issue);
  // valibot words a missing key as "Invalid key: Expected "x" but received undefined"; say it plainly.
  const message =
    where === null
      ? `Invalid request body: ${issue?.message ?? "not allowed"}`
      : issue?.received === "undefined"
        ? `Invalid request body: "${where}" is required`
        : `Invalid request body: ${where}: ${issue?.message ?? "not allowed"}`;
  return errorResponse(400, message, "invalid_request_error", where);
}

/** How many tokens to generate: the request's limit, else the server's --osl. */
export function outputTokens(body: { max_completion_tokens?: number | null | undefined; max_tokens?: number | null | undefined }, osl: number): number {
  return body.max_completion_tokens ?? body.max_tokens ?? osl;
}
