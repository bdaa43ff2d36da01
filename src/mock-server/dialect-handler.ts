/**
 * Generation for non-OpenAI APIs (TGI, Anthropic Messages, OpenAI Responses): the same timing,
 * faults and metrics as the OpenAI handler, with the request and reply shapes of one dialect.
 */
import type * as v from "valibot";
import type { GenerationPlan } from "./generation.ts";
import { answerGeneration, type Handler, type HandlerContext, injectedError, track } from "./handlers.ts";
import type { Endpoint } from "./metrics.ts";
import { readBody } from "./request.ts";
import { usage } from "./responses.ts";
import type { SseEvent } from "./stream.ts";
import { approxTokens } from "./tokens.ts";

export interface Dialect<S extends v.GenericSchema> {
  endpoint: Endpoint;
  idPrefix: string;
  schema: S;
  /** A refusal based on the headers (a missing API version), before the body is read. */
  check?(req: Request): Response | undefined;
  /** A refusal based on the parsed body (an unknown previous_response_id). */
  validate?(body: v.InferOutput<S>): Response | undefined;
  /** Told about every reply it is about to send (the Responses store keeps stored ones). */
  remember?(body: v.InferOutput<S>, plan: GenerationPlan): void;
  /** The request's token limit, prompt (for approximate counting) and whether it streams. */
  read(body: v.InferOutput<S>): { maxTokens: number | null | undefined; prompt: unknown; stream: boolean; model: string | null | undefined };
  events(plan: GenerationPlan): Generator<SseEvent>;
  /** The index of the event that a reset after `tokens` content tokens must not write. */
  cutIndex(tokens: number): number;
  reply(plan: GenerationPlan, text: string): object;
}

export function dialectHandler<S extends v.GenericSchema>(ctx: HandlerContext, dialect: Dialect<S>): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, dialect.endpoint, start);
    const refused = dialect.check?.(req);
    if (refused !== undefined) return (finish("400"), refused);
    const body = await readBody(req, dialect.schema);
    if (body instanceof Response) return (finish("400"), body);
    const invalid = dialect.validate?.(body);
    if (invalid !== undefined) return (finish("400"), invalid);
    const request = dialect.read(body);
    const tokens = request.maxTokens ?? ctx.options.osl;
    const promptTokens = approxTokens(request.prompt);
    ctx.metrics.promptTokens(promptTokens);
    const faults = ctx.planFaults(tokens);
    if (faults.error) return injectedError(ctx, finish);
    if (faults.stallBefore !== undefined) ctx.metrics.fault("stall");
    const plan: GenerationPlan = {
      reply: { id: ctx.nextId(dialect.idPrefix), model: request.model ?? ctx.options.model, created: Math.floor(Date.now() / 1000) },
      tokens,
      usage: usage(promptTokens, tokens),
      includeUsage: true,
      ttft: ctx.options.ttft,
      itl: ctx.options.itl,
      stall: faults.stallBefore === undefined ? undefined : { before: faults.stallBefore, ms: ctx.options.stallMs },
    };
    dialect.remember?.(body, plan);
    return answerGeneration(
      ctx,
      req,
      { start, faults, plan, finish },
      {
        stream: request.stream,
        events: () => dialect.events(plan),
        cutIndex: (after) => dialect.cutIndex(after),
        reply: (text) => dialect.reply(plan, text),
      },
    );
  };
}
