/**
 * What the worker does for the new request shapes: the multipart upload of audio_transcription
 * (built from the stored JSON body) and Responses chaining by previous_response_id.
 */
import { describe, expect, test } from "bun:test";
import { audioField, toFormData } from "../../src/endpoints/audio-transcription.ts";
import type { Credit } from "../../src/protocol/pipeline.ts";
import { requestBody } from "../../src/services/dataset/request-body.ts";
import type { Captured } from "../../src/services/worker/http-capture.ts";
import { replyId, replyText } from "../../src/services/worker/reply-text.ts";
import { planHeaders, requestHeaders } from "../../src/endpoints/headers.ts";
import { isMultipart, sendable } from "../../src/services/worker/request-builder.ts";
import { SessionHistories, threadBody } from "../../src/services/worker/session-history.ts";

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const dec = (b: Uint8Array): Record<string, unknown> => JSON.parse(new TextDecoder().decode(b));

describe("audio_transcription upload", () => {
  test("the stored body becomes a multipart form: the decoded file plus the other fields", async () => {
    const stored = requestBody(
      { model: "whisper-1", texts: [], maxTokens: null, audios: ["wav,UklGRgABAgM="] },
      {
        endpointType: "audio_transcription",
        streaming: false,
        extraInputs: [
          ["temperature", 0],
          ["timestamp_granularities", ["word"]],
        ],
      },
    );
    const form = sendable(true, enc(stored)) as FormData;
    const file = form.get("file") as File;
    expect(file.name).toBe("audio.wav");
    expect(file.type).toBe("audio/wav");
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([...Buffer.from("UklGRgABAgM=", "base64")]);
    expect(form.get("model")).toBe("whisper-1");
    expect(form.get("temperature")).toBe("0");
    expect(form.get("timestamp_granularities")).toBe('["word"]');
    // A request that fetch sends carries a multipart content type with its boundary.
    const type = new Request("http://x", { method: "POST", body: form }).headers.get("content-type");
    expect(type).toStartWith("multipart/form-data; boundary=");
  });

  test("only audio_transcription is multipart, and it sends no JSON content type", () => {
    expect(isMultipart("audio_transcription")).toBe(true);
    expect(isMultipart("chat")).toBe(false);
    expect(isMultipart(undefined)).toBe(false);
    const h = requestHeaders(planHeaders({ endpointType: "audio_transcription", streaming: false, apiKey: "k", headers: [] }), "r", "c");
    expect(h["content-type"]).toBeUndefined();
    expect(h.authorization).toBe("Bearer k");
    expect(sendable(false, enc({ a: 1 }))).toBeInstanceOf(Uint8Array);
  });

  test("audio formats and data URIs map to file names and MIME types", () => {
    expect(audioField("mp3,SUQz")).toEqual({ b64_data: "SUQz", filename: "audio.mp3", content_type: "audio/mpeg" });
    expect(audioField("data:audio/flac;base64,ZkxhQw==")).toEqual({ b64_data: "ZkxhQw==", filename: "audio.flac", content_type: "audio/flac" });
    expect(() => audioField("no-comma")).toThrow(/<format>,<base64>/);
    expect(toFormData({ file: audioField("wav,AA=="), model: "m", prompt: null }).has("prompt")).toBe(false);
  });
});

describe("responses: previous_response_id chaining", () => {
  const turn = (text: string, store: boolean) => enc({ model: "m", input: [{ role: "user", content: [{ type: "input_text", text }] }], stream: false, store });
  const reply = (id: string, text: string): Captured => ({
    startNs: 0,
    wallStartNs: 0,
    ackNs: 1,
    endNs: 2,
    status: 200,
    statusText: "OK",
    contentType: "application/json",
    chunkNs: [2],
    error: null,
    chunks: [enc({ id, object: "response", status: "completed", output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text }] }] })],
  });
  const credit = (t: number): Credit => ({
    id: t,
    phase: "profiling",
    num: t,
    conversation: 0,
    turn: t,
    correlationId: "sess-1",
    intendedNs: 0,
    cancelAfterNs: null,
  });

  test("with store:true a later turn names the last reply and sends only its own input", () => {
    const bodies = [turn("first", true), turn("second", true), turn("third", true)];
    const sessions = new SessionHistories({ body: (_c: number, t: number) => bodies[t] as Uint8Array, turnCount: () => 3 });
    sessions.finished(credit(0), reply("resp_1", "one"));
    const second = dec(sessions.bodyFor(credit(1)));
    expect(second.previous_response_id).toBe("resp_1");
    expect(second.input).toEqual([{ role: "user", content: [{ type: "input_text", text: "second" }] }]);
    sessions.finished(credit(1), reply("resp_2", "two"));
    expect(dec(sessions.bodyFor(credit(2))).previous_response_id).toBe("resp_2");
  });

  test("without store the whole history goes in input, replies as assistant items", () => {
    const bodies = [turn("first", false), turn("second", false)];
    const sessions = new SessionHistories({ body: (_c: number, t: number) => bodies[t] as Uint8Array, turnCount: () => 2 });
    sessions.finished(credit(0), reply("resp_1", "one"));
    const second = dec(sessions.bodyFor(credit(1)));
    expect(second).not.toHaveProperty("previous_response_id");
    expect(second.input).toEqual([
      { role: "user", content: [{ type: "input_text", text: "first" }] },
      { role: "assistant", content: "one" },
      { role: "user", content: [{ type: "input_text", text: "second" }] },
    ]);
  });

  test("raw (verbatim) sessions send every turn as stored", () => {
    const bodies = [enc({ messages: [{ role: "user", content: "a" }] }), enc({ messages: [{ role: "user", content: "b" }] })];
    const dataset = { body: (_c: number, t: number) => bodies[t] as Uint8Array, turnCount: () => 2 };
    const chatReply: Captured = { ...reply("x", "ignored"), chunks: [enc({ object: "chat.completion", choices: [{ message: { content: "reply" } }] })] };
    const raw = new SessionHistories(dataset, { verbatim: true });
    raw.finished(credit(0), chatReply);
    expect(raw.bodyFor(credit(1))).toBe(bodies[1] as Uint8Array);
    const threaded = new SessionHistories(dataset);
    threaded.finished(credit(0), chatReply);
    expect((dec(threaded.bodyFor(credit(1))).messages as unknown[]).length).toBe(3);
  });

  test("embeddings inputs are never threaded, even in multi-turn sessions", () => {
    const stored = enc({ model: "m", input: ["x", "y"] });
    expect(threadBody(stored, { messages: [{ role: "user", content: "q" }], prompt: "", responseId: "resp_1" })).toBe(stored);
  });

  test("a failed turn leaves no id: the next turn falls back to the full history", () => {
    const body = dec(threadBody(turn("next", true), { messages: [{ role: "user", content: "earlier" }], prompt: "" }));
    expect(body).not.toHaveProperty("previous_response_id");
    expect(body.input).toHaveLength(2);
  });

  test("reply id and text of a streamed response", () => {
    const sse = [
      `event: response.created\ndata: ${JSON.stringify({ type: "response.created", response: { id: "resp_9", object: "response", status: "in_progress" } })}\n\n`,
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "Hel" })}\n\n`,
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "lo" })}\n\n`,
    ].map(enc);
    expect(replyId("text/event-stream", sse)).toBe("resp_9");
    expect(replyText("text/event-stream", sse)).toBe("Hello");
    expect(replyId("application/json", [enc({ id: "chatcmpl-1", object: "chat.completion" })])).toBeUndefined();
  });
});
