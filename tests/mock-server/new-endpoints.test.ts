/** The mock's image generation, audio transcription and stored Responses (previous_response_id). */
import { describe, expect, test } from "bun:test";
import { MOCK_PNG_B64 } from "../../src/mock-server/images.ts";
import { wavSeconds } from "../../src/endpoints/audio-duration.ts";
import { pcmWav } from "../fixtures/wav.ts";
import { json, post, startServer } from "./helpers.ts";

/** A mono 16-bit PCM WAV of `seconds` of silence at 8 kHz. */
const wav = (seconds: number): Uint8Array => pcmWav(8000, Math.round(seconds * 8000));

describe("/v1/images/generations", () => {
  test("n images as b64_json (a real PNG), or as data URLs, after --ttft", async () => {
    const server = startServer({ ttft: 30 });
    const t0 = performance.now();
    const reply = await json(await post(server, "/v1/images/generations", { prompt: "a red fox", model: "flux", n: 3, size: "64x64" }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(reply.data).toHaveLength(3);
    expect(reply.data[0].b64_json).toBe(MOCK_PNG_B64);
    expect([...Buffer.from(reply.data[0].b64_json, "base64").subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    expect(reply.size).toBe("64x64");
    const urls = await json(await post(server, "/v1/images/generations", { prompt: "x", response_format: "url" }));
    expect(urls.data).toEqual([{ url: `data:image/png;base64,${MOCK_PNG_B64}`, revised_prompt: "x" }]);
  });

  test("a stream sends one completed event per image; a missing prompt is a 400", async () => {
    const server = startServer({ ttft: 5 });
    const res = await post(server, "/v1/images/generations", { prompt: "p", n: 2, stream: true });
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const text = await res.text();
    expect(text.match(/event: image_generation\.completed/g)).toHaveLength(2);
    const bad = await post(server, "/v1/images/generations", { model: "m" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toContain("prompt");
  });
});

describe("/v1/audio/transcriptions", () => {
  test("reads the multipart upload: the transcript length follows the WAV's duration", async () => {
    const server = startServer({ ttft: 5, osl: 100 });
    const send = async (seconds: number, extra: Record<string, string> = {}) => {
      const form = new FormData();
      form.append("file", new Blob([wav(seconds)], { type: "audio/wav" }), "audio.wav");
      form.append("model", "whisper-1");
      for (const [k, v] of Object.entries(extra)) form.append(k, v);
      return fetch(`${server.url}/v1/audio/transcriptions`, { method: "POST", body: form });
    };
    const two = await json(await send(2));
    expect(two.text.split(" ")).toHaveLength(5);
    expect(two.usage).toEqual({ type: "duration", seconds: 2 });
    expect((await json(await send(4))).text.split(" ")).toHaveLength(10);
    const plain = await send(2, { response_format: "text" });
    expect(plain.headers.get("content-type")).toStartWith("text/plain");
    expect((await plain.text()).split(" ")).toHaveLength(5);
  });

  test("no file part, or a JSON body, is a 400", async () => {
    const server = startServer({ ttft: 1 });
    const form = new FormData();
    form.append("model", "m");
    const missing = await fetch(`${server.url}/v1/audio/transcriptions`, { method: "POST", body: form });
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.message).toContain('"file" is required');
    expect((await post(server, "/v1/audio/transcriptions", { file: "x" })).status).toBe(400);
  });

  test("wavSeconds reads the RIFF header and refuses anything else", () => {
    expect(wavSeconds(wav(1.5))).toBeCloseTo(1.5, 6);
    expect(wavSeconds(new TextEncoder().encode("ID3 not a wav file"))).toBeNull();
  });
});

describe("/v1/responses store", () => {
  test("a stored reply can be named as previous_response_id; its context counts in the prompt", async () => {
    const server = startServer({ ttft: 1, itl: 0 });
    const first = await json(await post(server, "/v1/responses", { model: "r", input: "one two three", max_output_tokens: 4, store: true }));
    expect(first.usage.input_tokens).toBe(3);
    const second = await json(
      await post(server, "/v1/responses", {
        model: "r",
        input: [{ role: "user", content: "four" }],
        max_output_tokens: 2,
        store: true,
        previous_response_id: first.id,
      }),
    );
    // 3 earlier input words + 4 reply words + 1 new word.
    expect(second.usage.input_tokens).toBe(8);
    const third = await json(await post(server, "/v1/responses", { model: "r", input: "five", max_output_tokens: 1, previous_response_id: second.id }));
    expect(third.usage.input_tokens).toBe(8 + 2 + 1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^aiperf_mock_responses_chained_total 2$/m);
  });

  test("an unknown or unstored id is refused with 400", async () => {
    const server = startServer({ ttft: 1, itl: 0 });
    const unstored = await json(await post(server, "/v1/responses", { model: "r", input: "a", max_output_tokens: 1 }));
    for (const id of ["resp_nope", unstored.id]) {
      const res = await post(server, "/v1/responses", { model: "r", input: "b", previous_response_id: id });
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.error.message).toBe(`Previous response with id '${id}' not found.`);
    }
  });
});
