/**
 * OpenAI image generation on /v1/images/generations: after --ttft (plus any stall), `n` images of
 * one 1×1 PNG, as `b64_json` (the default here, as SGLang) or as data-URI `url`s; with `stream`,
 * one `image_generation.completed` event per image, the last carrying usage.
 */
import * as v from "valibot";
import { type Handler, type HandlerContext, injectedError, scriptedWait, track } from "./handlers.ts";
import { readBody } from "./request.ts";
import { sseResponse } from "./stream.ts";
import { approxTokens } from "./tokens.ts";

/** A valid 1×1 PNG: enough for clients that decode what they get. */
export const MOCK_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const ImagesRequest = v.looseObject({
  prompt: v.pipe(v.string(), v.minLength(1, "must not be empty")),
  model: v.optional(v.nullable(v.string())),
  n: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)))),
  response_format: v.optional(v.nullable(v.picklist(["b64_json", "url"]))),
  size: v.optional(v.nullable(v.string())),
  stream: v.optional(v.nullable(v.boolean())),
});

export function imagesHandler(ctx: HandlerContext): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, "images", start);
    const body = await readBody(req, ImagesRequest);
    if (body instanceof Response) return (finish("400"), body);
    const promptTokens = approxTokens(body.prompt);
    ctx.metrics.promptTokens(promptTokens);
    const n = body.n ?? 1;
    const faults = ctx.planFaults(1);
    if (faults.error) return injectedError(ctx, finish);
    const usage = { input_tokens: promptTokens, output_tokens: 0, total_tokens: promptTokens };
    const size = body.size ?? "1x1";
    if (body.stream === true) {
      const at = ctx.options.ttft + (faults.stallBefore === undefined ? 0 : ctx.options.stallMs);
      const events = Array.from({ length: n }, (_, i) => ({
        at,
        event: "image_generation.completed",
        data: JSON.stringify({
          type: "image_generation.completed",
          b64_json: MOCK_PNG_B64,
          created_at: Math.floor(Date.now() / 1000),
          size,
          ...(i === n - 1 ? { usage } : {}),
        }),
        tokens: 0,
      }));
      return sseResponse(events, { start, signal: req.signal, onTokens() {}, onEnd: (outcome) => finish(outcome === "ok" ? "200" : outcome) });
    }
    await scriptedWait(ctx, faults, start, req.signal);
    if (req.signal.aborted) return (finish("cancelled"), new Response(null, { status: 499 }));
    finish("200");
    const image = body.response_format === "url" ? { url: `data:image/png;base64,${MOCK_PNG_B64}` } : { b64_json: MOCK_PNG_B64 };
    return Response.json({
      created: Math.floor(Date.now() / 1000),
      data: Array.from({ length: n }, () => ({ ...image, revised_prompt: body.prompt })),
      size,
      usage,
    });
  };
}
