/** JSON bodies in the shapes OpenAI, vLLM and NIM servers send, built from plain values. */
import { hashText } from "./random.ts";

/** What every chunk and reply of one request shares. */
export interface ReplyContext {
  id: string;
  model: string;
  /** Unix seconds, as OpenAI's `created`. */
  created: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** One streamed chat delta: `{role}` first, then `{content}` per token, then `{}` with the finish reason. */
export function chatChunk(ctx: ReplyContext, delta: Record<string, string>, finishReason: string | null = null): object {
  return {
    id: ctx.id,
    object: "chat.completion.chunk",
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** One streamed completions piece of text. */
export function completionChunk(ctx: ReplyContext, text: string, finishReason: string | null = null): object {
  return {
    id: ctx.id,
    object: "text_completion",
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
  };
}

/** The trailing usage-only chunk of `stream_options.include_usage` (no choices). */
export function usageChunk(ctx: ReplyContext, object: "chat.completion.chunk" | "text_completion", u: Usage): object {
  return { id: ctx.id, object, created: ctx.created, model: ctx.model, choices: [], usage: u };
}

export function chatCompletion(ctx: ReplyContext, content: string, u: Usage): object {
  return {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "length" }],
    usage: u,
  };
}

export function textCompletion(ctx: ReplyContext, text: string, u: Usage): object {
  return {
    id: ctx.id,
    object: "text_completion",
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: "length" }],
    usage: u,
  };
}

/** A unit vector derived from the text, so equal inputs embed equally and runs are reproducible. */
function fakeEmbedding(text: string, size: number): number[] {
  let state = hashText(text) || 1;
  const vector = new Array<number>(size);
  let norm = 0;
  for (let i = 0; i < size; i++) {
    // xorshift32: cheap, deterministic per text.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const x = (state >>> 0) / 0x1_0000_0000 - 0.5;
    vector[i] = x;
    norm += x * x;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  // Six decimals keep the JSON short and are what float32 can tell apart anyway.
  return vector.map((x) => Math.round(x * scale * 1e6) / 1e6);
}

export function embeddingsList(model: string, inputs: string[], size: number, promptTokens: number): object {
  return {
    object: "list",
    data: inputs.map((input, index) => ({ object: "embedding", embedding: fakeEmbedding(input, size), index })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** NIM reranking: one logit per passage, most relevant first, as NIM orders them. */
export function rankings(query: string, passages: string[]): object {
  const scored = passages.map((passage, index) => ({ index, logit: Math.round(((hashText(`${query}\u0000${passage}`) / 0xffff_ffff) * 20 - 10) * 1e4) / 1e4 }));
  scored.sort((a, b) => b.logit - a.logit || a.index - b.index);
  return { rankings: scored };
}

export function modelList(model: string, created: number): object {
  return { object: "list", data: [{ id: model, object: "model", created, owned_by: "aiperf-mock" }] };
}

/** An OpenAI-style error reply. */
export function errorResponse(status: number, message: string, type: string, param: string | null = null): Response {
  return Response.json({ error: { message, type, param, code: status } }, { status });
}
