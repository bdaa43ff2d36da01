/**
 * OpenAI audio transcription on /v1/audio/transcriptions: a multipart/form-data upload with a
 * `file` part (and `model`, `response_format`…). The transcript has ~2.5 words per second of a WAV
 * upload (its length read from the RIFF header; --osl words for other formats, capped by --osl),
 * answered after --ttft as `{"text", "usage"}` JSON, or as plain text for response_format text.
 */
import { wavSeconds } from "../endpoints/audio-duration.ts";
import { type Handler, type HandlerContext, injectedError, readForm, scriptedWait, track } from "./handlers.ts";
import { errorResponse } from "./responses.ts";
import { replyText } from "./tokens.ts";

const WORDS_PER_SECOND = 2.5;

export function transcriptionHandler(ctx: HandlerContext): Handler {
  return async (req, server) => {
    const start = performance.now();
    server.timeout(req, 0);
    const finish = track(ctx, "transcriptions", start);
    const form = await readForm(req, finish);
    if (form instanceof Response) return form;
    const file = form.get("file");
    if (!(file instanceof Blob) || file.size === 0)
      return (finish("400"), errorResponse(400, 'Invalid request body: "file" is required (an audio file part)', "invalid_request_error", "file"));
    const seconds = wavSeconds(new Uint8Array(await file.arrayBuffer()));
    const words = Math.max(1, Math.min(ctx.options.osl, seconds === null ? ctx.options.osl : Math.round(seconds * WORDS_PER_SECOND)));
    const faults = ctx.planFaults(1);
    if (faults.error) return injectedError(ctx, finish);
    await scriptedWait(ctx, faults, start, req.signal);
    if (req.signal.aborted) return (finish("cancelled"), new Response(null, { status: 499 }));
    ctx.metrics.generatedTokens(words);
    finish("200");
    const text = replyText(words);
    if (form.get("response_format") === "text") return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
    return Response.json({ text, usage: { type: "duration", seconds: Math.ceil(seconds ?? 0) } });
  };
}
