/** Anthropic Messages on /v1/messages: a `message` reply, or its typed event stream. */
import * as v from "valibot";
import type { Dialect } from "./dialect-handler.ts";
import { finishTime, type GenerationPlan, tokenTime } from "./generation.ts";
import { errorResponse } from "./responses.ts";
import type { SseEvent } from "./stream.ts";
import { tokenText } from "./tokens.ts";

const MessagesRequest = v.looseObject({
  model: v.string(),
  max_tokens: v.pipe(v.number(), v.integer(), v.minValue(1)),
  messages: v.pipe(v.array(v.unknown()), v.minLength(1, "must hold at least one message")),
  stream: v.optional(v.nullable(v.boolean())),
});

const usageOf = (plan: GenerationPlan) => ({ input_tokens: plan.usage.prompt_tokens, output_tokens: plan.usage.completion_tokens });

function message(plan: GenerationPlan, content: object[], outputTokens: number): object {
  const u = { ...usageOf(plan), output_tokens: outputTokens };
  return {
    id: plan.reply.id,
    type: "message",
    role: "assistant",
    model: plan.reply.model,
    content,
    stop_reason: outputTokens > 0 ? "max_tokens" : null,
    stop_sequence: null,
    usage: u,
  };
}

const event = (at: number, name: string, data: object, tokens = 0): SseEvent => ({ at, event: name, data: JSON.stringify({ type: name, ...data }), tokens });

export const anthropicMessages: Dialect<typeof MessagesRequest> = {
  endpoint: "messages",
  idPrefix: "msg",
  schema: MessagesRequest,
  // The real API answers 400 without a version header; so does the mock, to keep clients honest.
  check: (req) =>
    req.headers.get("anthropic-version") === null ? errorResponse(400, "anthropic-version: header is required", "invalid_request_error") : undefined,
  read: (body) => ({ maxTokens: body.max_tokens, prompt: body.messages, stream: body.stream === true, model: body.model }),
  *events(plan) {
    const t0 = tokenTime(plan, 0);
    yield event(t0, "message_start", { message: message(plan, [], 1) });
    yield event(t0, "content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    yield event(t0, "ping", {});
    for (let i = 0; i < plan.tokens; i++)
      yield event(tokenTime(plan, i), "content_block_delta", { index: 0, delta: { type: "text_delta", text: tokenText(i) } }, 1);
    const end = finishTime(plan);
    yield event(end, "content_block_stop", { index: 0 });
    yield event(end, "message_delta", { delta: { stop_reason: "max_tokens", stop_sequence: null }, usage: { output_tokens: plan.tokens } });
    yield event(end, "message_stop", {});
  },
  cutIndex: (tokens) => tokens + 3,
  reply: (plan, text) => message(plan, [{ type: "text", text }], plan.tokens),
};
