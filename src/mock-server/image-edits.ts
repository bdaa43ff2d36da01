/**
 * OpenAI image edits on /v1/images/edits: a multipart/form-data upload of `prompt` and an `image`
 * file part (or SGLang's `url` field), answered after --ttft (plus any stall) as image generation
 * answers: `n` 1×1 PNGs as b64_json.
 */
import { type Handler, type HandlerContext, injectedError, readForm, scriptedWait, track } from "./handlers.ts";
import { MOCK_PNG_B64 } from "./images.ts";
import { errorResponse } from "./responses.ts";
import { approxTokens } from "./tokens.ts";

export function imageEditsHandler(ctx: HandlerContext): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, "images", start);
    const form = await readForm(req, finish);
    if (form instanceof Response) return form;
    const prompt = form.get("prompt");
    if (typeof prompt !== "string" || prompt === "")
      return (finish("400"), errorResponse(400, 'Invalid request body: "prompt" is required', "invalid_request_error", "prompt"));
    const image = form.get("image");
    const url = form.get("url");
    if (!(image instanceof Blob && image.size > 0) && typeof url !== "string")
      return (finish("400"), errorResponse(400, 'Invalid request body: "image" is required (an image file part)', "invalid_request_error", "image"));
    const n = Math.max(1, Math.min(10, Number(form.get("n") ?? 1) || 1));
    const promptTokens = approxTokens(prompt);
    ctx.metrics.promptTokens(promptTokens);
    const faults = ctx.planFaults(1);
    if (faults.error) return injectedError(ctx, finish);
    await scriptedWait(ctx, faults, start, req.signal);
    if (req.signal.aborted) return (finish("cancelled"), new Response(null, { status: 499 }));
    finish("200");
    const usage = { input_tokens: promptTokens, output_tokens: 0, total_tokens: promptTokens };
    return Response.json({ created: Math.floor(Date.now() / 1000), data: Array.from({ length: n }, () => ({ b64_json: MOCK_PNG_B64 })), usage });
  };
}
