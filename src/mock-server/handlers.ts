/** One handler per POST endpoint: parse, draw faults, wait as scripted, answer. */
import { sleepUntil } from "./clock.ts";
import type { FaultPlan } from "./faults.ts";
import { chatEvents, completionEvents, cutIndex, finishTime, type GenerationPlan } from "./generation.ts";
import type { Endpoint, MockMetrics } from "./metrics.ts";
import type { MockServerOptions } from "./options.ts";
import { ChatRequest, CohereRerankRequest, CompletionRequest, EmbeddingsRequest, outputTokens, RankingRequest, readBody, TeiRerankRequest } from "./request.ts";
import { chatCompletion, embeddingsList, errorResponse, rankings, textCompletion, usage } from "./responses.ts";
import { type SseEvent, sseResponse } from "./stream.ts";
import { approxTokens, replyText } from "./tokens.ts";
import type { WriteLog } from "./write-log.ts";

export interface HandlerContext {
  options: MockServerOptions;
  metrics: MockMetrics;
  planFaults(tokens: number): FaultPlan;
  /** A new response id with the given prefix (`chatcmpl`, `cmpl`). */
  nextId(prefix: string): string;
  /** Set only with `recordWrites` (benchmarks): when each streamed token was written. */
  writes?: WriteLog | undefined;
}

export type Handler = (req: Request, server: Bun.Server<undefined>) => Promise<Response>;

/** Counts the request in flight now; the returned function records how it ended, once. */
export function track(ctx: HandlerContext, endpoint: Endpoint, start: number): (status: string) => void {
  ctx.metrics.requestStarted();
  let done = false;
  return (status) => {
    if (done) return;
    done = true;
    ctx.metrics.requestFinished(endpoint, status, (performance.now() - start) / 1000);
  };
}

export function injectedError(ctx: HandlerContext, finish: (status: string) => void): Response {
  ctx.metrics.fault("error");
  finish("500");
  return errorResponse(500, "Injected failure (mock server --error-rate)", "server_error");
}

export function generationHandler(ctx: HandlerContext, kind: "chat" | "completions"): Handler {
  return async (req, server) => {
    const start = performance.now();
    // Streams and scripted waits can outlast Bun.serve's 10 s idle timeout.
    server.timeout(req, 0);
    const finish = track(ctx, kind, start);
    const body = kind === "chat" ? await readBody(req, ChatRequest) : await readBody(req, CompletionRequest);
    if (body instanceof Response) return (finish("400"), body);
    const tokens = outputTokens(body, ctx.options.osl);
    const promptTokens = approxTokens("messages" in body ? body.messages : body.prompt);
    ctx.metrics.promptTokens(promptTokens);
    const faults = ctx.planFaults(tokens);
    if (faults.error) return injectedError(ctx, finish);
    if (faults.stallBefore !== undefined) ctx.metrics.fault("stall");
    const plan: GenerationPlan = {
      reply: { id: ctx.nextId(kind === "chat" ? "chatcmpl" : "cmpl"), model: body.model ?? ctx.options.model, created: Math.floor(Date.now() / 1000) },
      tokens,
      usage: usage(promptTokens, tokens),
      includeUsage: body.stream_options?.include_usage === true,
      ttft: ctx.options.ttft,
      itl: ctx.options.itl,
      stall: faults.stallBefore === undefined ? undefined : { before: faults.stallBefore, ms: ctx.options.stallMs },
    };
    return answerGeneration(
      ctx,
      req,
      { start, faults, plan, finish },
      {
        stream: body.stream === true,
        events: () => (kind === "chat" ? chatEvents(plan) : completionEvents(plan)),
        cutIndex: (after) => cutIndex(kind, after),
        reply: (text) => (kind === "chat" ? chatCompletion(plan.reply, text, plan.usage) : textCompletion(plan.reply, text, plan.usage)),
      },
    );
  };
}

/** How one generation route answers: its stream events, where a reset cuts them, its whole reply. */
type GenerationAnswer = {
  stream: boolean;
  events(): Iterable<SseEvent>;
  /** The index of the event that a reset after `tokens` content tokens must not write. */
  cutIndex(tokens: number): number;
  reply(text: string): object;
};

type Generation = { start: number; faults: FaultPlan; plan: GenerationPlan; finish: (status: string) => void };

/**
 * Streams a generation (reset fault, tokens per chunk, token metrics, the write log) or, not
 * streaming, answers it whole once it would have finished: shared by every generation route.
 */
export async function answerGeneration(ctx: HandlerContext, req: Request, g: Generation, answer: GenerationAnswer): Promise<Response> {
  const { start, faults, plan, finish } = g;
  if (answer.stream) {
    if (faults.resetAfter !== undefined) ctx.metrics.fault("reset");
    const log = ctx.writes;
    const logged = log?.start(req.headers.get("x-request-id"), start);
    return sseResponse(answer.events(), {
      start,
      signal: req.signal,
      cutBefore: faults.resetAfter === undefined ? undefined : answer.cutIndex(faults.resetAfter),
      tokensPerChunk: ctx.options.tokensPerChunk,
      onTokens(count, first) {
        if (logged !== undefined) log?.wrote(logged, count);
        if (first) ctx.metrics.firstToken((performance.now() - start) / 1000);
        ctx.metrics.generatedTokens(count);
      },
      onEnd: (outcome) => finish(outcome === "ok" ? "200" : outcome),
    });
  }
  await sleepUntil(start + finishTime(plan), req.signal);
  if (req.signal.aborted) return (finish("cancelled"), new Response(null, { status: 499 }));
  ctx.metrics.firstToken((performance.now() - start) / 1000);
  ctx.metrics.generatedTokens(plan.tokens);
  finish("200");
  return Response.json(answer.reply(replyText(plan.tokens)));
}

/** Embeddings and rankings generate nothing: they answer after --ttft (plus a stall, if drawn). */
export async function scriptedWait(ctx: HandlerContext, faults: FaultPlan, start: number, signal: AbortSignal): Promise<void> {
  if (faults.stallBefore !== undefined) ctx.metrics.fault("stall");
  await sleepUntil(start + ctx.options.ttft + (faults.stallBefore === undefined ? 0 : ctx.options.stallMs), signal);
}

export function embeddingsHandler(ctx: HandlerContext): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, "embeddings", start);
    const body = await readBody(req, EmbeddingsRequest);
    if (body instanceof Response) return (finish("400"), body);
    // A chat-style request (messages) is one input: vLLM embeds the whole conversation.
    const input: string | unknown[] = "input" in body ? (body.input as string | unknown[]) : [JSON.stringify(body.messages)];
    const inputs = (typeof input === "string" ? [input] : input).map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
    const promptTokens = approxTokens(input);
    ctx.metrics.promptTokens(promptTokens);
    const faults = ctx.planFaults(1);
    if (faults.error) return injectedError(ctx, finish);
    await scriptedWait(ctx, faults, start, req.signal);
    finish(req.signal.aborted ? "cancelled" : "200");
    return Response.json(embeddingsList(body.model ?? ctx.options.model, inputs, ctx.options.embeddingSize, promptTokens));
  };
}

export function rankingHandler(ctx: HandlerContext): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, "rankings", start);
    const body = await readBody(req, RankingRequest);
    if (body instanceof Response) return (finish("400"), body);
    ctx.metrics.promptTokens(approxTokens([body.query, body.passages]));
    const faults = ctx.planFaults(1);
    if (faults.error) return injectedError(ctx, finish);
    await scriptedWait(ctx, faults, start, req.signal);
    finish(req.signal.aborted ? "cancelled" : "200");
    return Response.json(
      rankings(
        body.query.text,
        body.passages.map((p) => p.text),
      ),
    );
  };
}

/** Cohere v2 and HF TEI rerankers: query plus documents/texts, scores ordered best first. */
export function rerankHandler(ctx: HandlerContext, dialect: "cohere" | "tei"): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, "rerank", start);
    const body = dialect === "cohere" ? await readBody(req, CohereRerankRequest) : await readBody(req, TeiRerankRequest);
    if (body instanceof Response) return (finish("400"), body);
    const passages = (dialect === "cohere" ? body.documents : body.texts) as string[];
    ctx.metrics.promptTokens(approxTokens([body.query, passages]));
    const faults = ctx.planFaults(1);
    if (faults.error) return injectedError(ctx, finish);
    await scriptedWait(ctx, faults, start, req.signal);
    finish(req.signal.aborted ? "cancelled" : "200");
    const ranked = (rankings(body.query, passages) as { rankings: { index: number; logit: number }[] }).rankings;
    // Both report a relevance in [0, 1]: the logit through a sigmoid.
    const score = (logit: number): number => Math.round((1 / (1 + Math.exp(-logit))) * 1e6) / 1e6;
    if (dialect === "tei") return Response.json(ranked.map((r) => ({ index: r.index, score: score(r.logit) })));
    return Response.json({
      id: ctx.nextId("rerank"),
      results: ranked.map((r) => ({ index: r.index, relevance_score: score(r.logit) })),
      meta: { billed_units: { search_units: 1 } },
    });
  };
}

/** A multipart/form-data body, or the 400 a client gets for anything else (counted in `finish`). */
export async function readForm(req: Request, finish: (status: string) => void): Promise<Awaited<ReturnType<Request["formData"]>> | Response> {
  try {
    return await req.formData();
  } catch (error) {
    finish("400");
    return errorResponse(400, `Request body must be multipart/form-data (${error instanceof Error ? error.message : String(error)})`, "invalid_request_error");
  }
}
