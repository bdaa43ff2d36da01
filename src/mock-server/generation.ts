/** The scripted reply of one generation request: when each token goes out and which chunks carry it. */
import { chatChunk, completionChunk, type ReplyContext, type Usage, usageChunk } from "./responses.ts";
import type { SseEvent } from "./stream.ts";
import { tokenText } from "./tokens.ts";

export interface GenerationPlan {
  reply: ReplyContext;
  /** Tokens to generate (at least 1). */
  tokens: number;
  usage: Usage;
  includeUsage: boolean;
  ttft: number;
  itl: number;
  /** A pause of `ms` before token `before` (fault injection). */
  stall: { before: number; ms: number } | undefined;
}

/** Milliseconds after arrival at which token `i` is written: ttft, then one itl per token, plus any stall. */
export function tokenTime(plan: GenerationPlan, i: number): number {
  const stalled = plan.stall !== undefined && i >= plan.stall.before ? plan.stall.ms : 0;
  return plan.ttft + i * plan.itl + stalled;
}

/** When the last token is written, i.e. when a non-streaming reply is due. */
export function finishTime(plan: GenerationPlan): number {
  return tokenTime(plan, plan.tokens - 1);
}

/** vLLM's order: a role-only delta, one delta per token, an empty delta with the finish reason, usage, [DONE]. */
export function* chatEvents(plan: GenerationPlan): Generator<SseEvent> {
  const { reply } = plan;
  yield { at: tokenTime(plan, 0), data: JSON.stringify(chatChunk(reply, { role: "assistant" })), tokens: 0 };
  const data = tokenData((text) => chatChunk(reply, { content: text }));
  for (let i = 0; i < plan.tokens; i++) yield { at: tokenTime(plan, i), data: data(tokenText(i)), tokens: 1 };
  yield* tail(plan, JSON.stringify(chatChunk(reply, {}, "length")), "chat.completion.chunk");
}

/** Completions have no role chunk: one text piece per token, then the finish reason, usage, [DONE]. */
export function* completionEvents(plan: GenerationPlan): Generator<SseEvent> {
  const data = tokenData((text) => completionChunk(plan.reply, text));
  for (let i = 0; i < plan.tokens; i++) yield { at: tokenTime(plan, i), data: data(tokenText(i)), tokens: 1 };
  yield* tail(plan, JSON.stringify(completionChunk(plan.reply, "", "length")), "text_completion");
}

const HOLE = "\u0000";
const HOLE_JSON = JSON.stringify(HOLE);

/**
 * The JSON of a token's chunk, as JSON.stringify(chunk(text)) would write it, from the chunk's
 * text around a hole computed once per reply: a token costs one short stringify, not an object
 * tree and its stringify (the mock's CPU is the client's competition on a shared machine).
 */
function tokenData(chunk: (text: string) => object): (text: string) => string {
  const parts = JSON.stringify(chunk(HOLE)).split(HOLE_JSON);
  if (parts.length !== 2) return (text) => JSON.stringify(chunk(text));
  const [head, rest] = parts as [string, string];
  return (text) => head + JSON.stringify(text) + rest;
}

function* tail(plan: GenerationPlan, finish: string, object: "chat.completion.chunk" | "text_completion"): Generator<SseEvent> {
  const at = finishTime(plan);
  yield { at, data: finish, tokens: 0 };
  if (plan.includeUsage) yield { at, data: JSON.stringify(usageChunk(plan.reply, object, plan.usage)), tokens: 0 };
  yield { at, data: "[DONE]", tokens: 0 };
}

/** The index of the event that a reset after `tokens` content tokens must not write. */
export function cutIndex(kind: "chat" | "completions", tokens: number): number {
  return kind === "chat" ? tokens + 1 : tokens;
}
