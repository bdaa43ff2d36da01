/**
 * Server-reported token usage, normalised across vendors (aiperf-features §2.2 "usage handling"):
 * OpenAI's prompt/completion tokens, Anthropic's and Responses' input/output tokens, and the
 * reasoning counts in their `*_tokens_details`. A stream may report usage more than once
 * (Anthropic: input on message_start, output on message_delta); later values win field by field.
 */
import type { ServerUsage } from "../records/record.ts";
import { GEMINI_CORE as G, mergeUsageExtras, readUsageExtras, usageNumber } from "../records/usage-fields.ts";

export type { ServerUsage } from "../records/record.ts";

// Not json.ts's isObject: json.ts imports this module, and a cycle is best avoided.
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The usage an object reports, or undefined when it has no usage object with a known count. */
export function readUsage(u: unknown): ServerUsage | undefined {
  if (!isObject(u)) return undefined;
  // Gemini's usageMetadata names the same counts in camelCase (usage-fields.ts).
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens) ?? num(u[G.prompt]);
  const completion = num(u.completion_tokens) ?? num(u.output_tokens) ?? num(u[G.completion]);
  const details = isObject(u.completion_tokens_details) ? u.completion_tokens_details : isObject(u.output_tokens_details) ? u.output_tokens_details : {};
  const usage: ServerUsage = {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: num(u.total_tokens) ?? num(u[G.total]),
    reasoningTokens: num(details.reasoning_tokens) ?? usageNumber(u, G.reasoning) ?? null,
  };
  const extras = readUsageExtras(u);
  if (Object.keys(extras).length > 0) usage.extras = extras;
  return Object.values(usage).some((v) => v !== null) ? usage : undefined;
}

/** `later` over `earlier`, field by field; null fields never erase a known value. */
export function mergeUsage(earlier: ServerUsage | undefined, later: ServerUsage): ServerUsage {
  if (earlier === undefined) return later;
  return {
    promptTokens: later.promptTokens ?? earlier.promptTokens,
    completionTokens: later.completionTokens ?? earlier.completionTokens,
    totalTokens: later.totalTokens ?? earlier.totalTokens,
    reasoningTokens: later.reasoningTokens ?? earlier.reasoningTokens,
    ...withExtras(mergeUsageExtras(earlier.extras, later.extras)),
  };
}

/** The total, computed from its parts when the server left it out (Anthropic never sends one). */
export function completeUsage(u: ServerUsage): ServerUsage {
  if (u.totalTokens !== null || u.promptTokens === null || u.completionTokens === null) return u;
  return { ...u, totalTokens: u.promptTokens + u.completionTokens };
}

const withExtras = (extras: ServerUsage["extras"]): Pick<ServerUsage, "extras"> => (extras === undefined ? {} : { extras });
