/** OpenAI Responses on /v1/responses: a `response` object, or its typed event stream. */
import * as v from "valibot";
import type { Dialect } from "./dialect-handler.ts";
import { finishTime, type GenerationPlan, tokenTime } from "./generation.ts";
import type { SseEvent } from "./stream.ts";
import { replyText, tokenText } from "./tokens.ts";

const ResponsesRequest = v.looseObject({
  model: v.optional(v.nullable(v.string())),
  input: v.union([v.string(), v.pipe(v.array(v.unknown()), v.minLength(1, "must not be empty"))], "must be a string or an array"),
  max_output_tokens: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))),
  stream: v.optional(v.nullable(v.boolean())),
});

function responseObject(plan: GenerationPlan, status: "in_progress" | "completed", text: string | null): object {
  const itemId = `msg_${plan.reply.id}`;
  const output = text === null ? [] : [{ id: itemId, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }];
  const u = plan.usage;
  const usage = status === "completed" ? { input_tokens: u.prompt_tokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: u.completion_tokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: u.total_tokens } : null;
  return { id: plan.reply.id, object: "response", created_at: plan.reply.created, status, model: plan.reply.model, output, usage };
}

export const openaiResponses: Dialect<typeof ResponsesRequest> = {
  endpoint: "responses",
  idPrefix: "resp",
  schema: ResponsesRequest,
  read: (body) => ({ maxTokens: body.max_output_tokens, prompt: body.input, stream: body.stream === true, model: body.model }),
  *events(plan) {
    let seq = 0;
    const ev = (at: number, type: string, data: object, tokens = 0): SseEvent => ({ at, event: type, data: JSON.stringify({ type, sequence_number: seq++, ...data }), tokens });
    const item = { item_id: `msg_${plan.reply.id}`, output_index: 0 };
    const t0 = tokenTime(plan, 0);
    yield ev(t0, "response.created", { response: responseObject(plan, "in_progress", null) });
    yield ev(t0, "response.output_item.added", { output_index: 0, item: { id: item.item_id, type: "message", status: "in_progress", role: "assistant", content: [] } });
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
