/**
 * OpenAI Responses on /v1/responses: a `response` object, or its typed event stream. Replies to
 * requests with `store: true` are kept (up to STORE_LIMIT), so a later request may name one as
 * `previous_response_id` and send only its new input; the prompt then counts the whole chain.
 * An unknown id is refused with 400, as the real API does.
 */
import * as v from "valibot";
import type { Dialect } from "./dialect-handler.ts";
import { errorResponse } from "./responses.ts";
import { finishTime, type GenerationPlan, tokenTime } from "./generation.ts";
import type { SseEvent } from "./stream.ts";
import { replyText, tokenText } from "./tokens.ts";

const ResponsesRequest = v.looseObject({
  model: v.optional(v.nullable(v.string())),
  input: v.union([v.string(), v.pipe(v.array(v.unknown()), v.minLength(1, "must not be empty"))], "must be a string or an array"),
  max_output_tokens: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))),
  stream: v.optional(v.nullable(v.boolean())),
  store: v.optional(v.nullable(v.boolean())),
  previous_response_id: v.optional(v.nullable(v.string())),
});

/** Stored responses kept at most; the oldest goes first. */
const STORE_LIMIT = 10_000;

/** Stored responses by id: the conversation up to and including each reply. */
export class ResponseStore {
  readonly #byId = new Map<string, unknown[]>();

  get size(): number {
    return this.#byId.size;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The stored context of `previous` (empty if none) followed by `input`. */
  context(previous: string | null | undefined, input: unknown): unknown[] {
    const before = previous === null || previous === undefined ? [] : (this.#byId.get(previous) ?? []);
    return [...before, ...(Array.isArray(input) ? input : [input])];
  }

  save(id: string, context: unknown[]): void {
    if (this.#byId.size >= STORE_LIMIT) this.#byId.delete(this.#byId.keys().next().value as string);
    this.#byId.set(id, context);
  }
}

function responseObject(plan: GenerationPlan, status: "in_progress" | "completed", text: string | null): object {
  const itemId = `msg_${plan.reply.id}`;
  const output =
    text === null ? [] : [{ id: itemId, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }];
  const u = plan.usage;
  const usage =
    status === "completed"
      ? {
          input_tokens: u.prompt_tokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: u.completion_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: u.total_tokens,
        }
      : null;
  return { id: plan.reply.id, object: "response", created_at: plan.reply.created, status, model: plan.reply.model, output, usage };
}

/** The dialect with a store; `onChained` hears of every request that continues a stored reply. */
export function createOpenaiResponses(store = new ResponseStore(), onChained: () => void = () => {}): Dialect<typeof ResponsesRequest> {
  return { ...openaiResponses, ...storeHooks(store, onChained) };
}

function storeHooks(store: ResponseStore, onChained: () => void): Pick<Dialect<typeof ResponsesRequest>, "validate" | "read" | "remember"> {
  return {
    validate(body) {
      const previous = body.previous_response_id;
      if (previous === null || previous === undefined) return undefined;
      if (store.has(previous)) return (onChained(), undefined);
      return errorResponse(400, `Previous response with id '${previous}' not found.`, "invalid_request_error", "previous_response_id");
    },
    read: (body) => ({
      maxTokens: body.max_output_tokens,
      prompt: store.context(body.previous_response_id, body.input),
      stream: body.stream === true,
      model: body.model,
    }),
    remember(body, plan) {
      if (body.store !== true) return;
      store.save(plan.reply.id, [...store.context(body.previous_response_id, body.input), { role: "assistant", content: replyText(plan.tokens) }]);
    },
  };
}

/** The stateless dialect (no store): previous_response_id is ignored. */
const openaiResponses: Dialect<typeof ResponsesRequest> = {
  endpoint: "responses",
  idPrefix: "resp",
  schema: ResponsesRequest,
  read: (body) => ({ maxTokens: body.max_output_tokens, prompt: body.input, stream: body.stream === true, model: body.model }),
  *events(plan) {
    let seq = 0;
    const ev = (at: number, type: string, data: object, tokens = 0): SseEvent => ({
      at,
      event: type,
      data: JSON.stringify({ type, sequence_number: seq++, ...data }),
      tokens,
    });
    const item = { item_id: `msg_${plan.reply.id}`, output_index: 0 };
    const t0 = tokenTime(plan, 0);
    yield ev(t0, "response.created", { response: responseObject(plan, "in_progress", null) });
    yield ev(t0, "response.output_item.added", {
      output_index: 0,
      item: { id: item.item_id, type: "message", status: "in_progress", role: "assistant", content: [] },
    });
    yield ev(t0, "response.content_part.added", { ...item, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
    for (let i = 0; i < plan.tokens; i++) yield ev(tokenTime(plan, i), "response.output_text.delta", { ...item, content_index: 0, delta: tokenText(i) }, 1);
    const end = finishTime(plan);
    const text = replyText(plan.tokens);
    yield ev(end, "response.output_text.done", { ...item, content_index: 0, text });
    yield ev(end, "response.completed", { response: responseObject(plan, "completed", text) });
  },
  cutIndex: (tokens) => tokens + 3,
  reply: (plan, text) => responseObject(plan, "completed", text),
};
