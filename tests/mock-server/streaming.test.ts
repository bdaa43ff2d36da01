import { describe, expect, test } from "bun:test";
import { jsonEvents, post, readSse, retryTiming, SLACK_MS, startServer } from "./helpers.ts";

const CHAT = { model: "m1", messages: [{ role: "user", content: "one two three four" }], stream: true, stream_options: { include_usage: true } };

describe("streaming chat completions", () => {
  test(
    "role chunk, one chunk per token, finish chunk, usage chunk, [DONE], on schedule",
    () =>
      retryTiming(async () => {
        const server = startServer({ ttft: 60, itl: 10, osl: 8 });
        const t0 = performance.now();
        const res = await post(server, "/v1/chat/completions", CHAT);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/event-stream");
        const read = await readSse(res, t0);
        expect(read.ended).toBe(true);
        expect(read.comments).toEqual([": ok"]);
        expect(read.events.at(-1)?.data).toBe("[DONE]");
        const chunks = jsonEvents(read);
        // osl content chunks + the role chunk + the finish chunk + the usage chunk.
        expect(chunks.length).toBe(8 + 3);
        for (const c of chunks) {
          expect(c.object).toBe("chat.completion.chunk");
          expect(c.id).toBe(chunks[0]!.id);
          expect(c.model).toBe("m1");
        }
        expect(chunks[0]!.choices).toEqual([{ index: 0, delta: { role: "assistant" }, logprobs: null, finish_reason: null }]);
        const content = chunks.slice(1, 9).map((c) => c.choices[0].delta.content as string);
        expect(content.every((t) => t.trim().length > 0 && t.trim().split(" ").length === 1)).toBe(true);
        expect(chunks[9]!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "length" });
        expect(chunks[10]!.choices).toEqual([]);
        expect(chunks[10]!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 8, total_tokens: 12 });

        // Token i is never written before ttft + i * itl (times are absolute from the request's start),
        // and the first one arrives close to ttft.
        const tokenEvents = read.events.slice(1, 9);
        tokenEvents.forEach((e, i) => expect(e.at).toBeGreaterThanOrEqual(60 + i * 10));
        expect(tokenEvents[0]!.at).toBeLessThan(60 + SLACK_MS);
        expect(tokenEvents[7]!.at).toBeLessThan(60 + 7 * 10 + SLACK_MS);
      }),
    15_000,
  );

  test(
    "headers arrive at once, long before the first token",
    () =>
      retryTiming(async () => {
        const server = startServer({ ttft: 600, itl: 5, osl: 2 });
        const t0 = performance.now();
        const res = await post(server, "/v1/chat/completions", CHAT);
        const headersAt = performance.now() - t0;
        const read = await readSse(res, t0);
        // Bun.serve alone would hold the headers until the first token, 600 ms in.
        expect(headersAt).toBeLessThan(300);
        expect(read.events[0]!.at).toBeGreaterThanOrEqual(600);
      }),
    15_000,
  );

  test("max_completion_tokens, then max_tokens, override --osl; no usage chunk unless asked", async () => {
    const server = startServer({ ttft: 0, itl: 0, osl: 50 });
    const base = { messages: [{ role: "user", content: "hi" }], stream: true };
    const a = jsonEvents(await readSse(await post(server, "/v1/chat/completions", { ...base, max_completion_tokens: 3, max_tokens: 9 }), 0));
    expect(a.length).toBe(3 + 2);
    expect(a.some((c) => c.usage !== undefined)).toBe(false);
    const b = jsonEvents(await readSse(await post(server, "/v1/chat/completions", { ...base, max_tokens: 5 }), 0));
    expect(b.length).toBe(5 + 2);
    expect(b[0]!.model).toBe("mock-model");
  });
});

describe("streaming completions", () => {
  test(
    "text_completion chunks carry choices[0].text, then finish, usage and [DONE]",
    () =>
      retryTiming(async () => {
        const server = startServer({ ttft: 30, itl: 5, osl: 6 });
        const t0 = performance.now();
        const res = await post(server, "/v1/completions", { prompt: "say something", stream: true, stream_options: { include_usage: true } });
        const read = await readSse(res, t0);
        expect(read.ended).toBe(true);
        expect(read.events.at(-1)?.data).toBe("[DONE]");
        const chunks = jsonEvents(read);
        expect(chunks.length).toBe(6 + 2);
        expect(chunks.every((c) => c.object === "text_completion")).toBe(true);
        const text = chunks
          .slice(0, 6)
          .map((c) => c.choices[0].text)
          .join("");
        expect(text.split(" ").length).toBe(6);
        expect(chunks[6]!.choices[0]).toMatchObject({ text: "", finish_reason: "length" });
        expect(chunks[7]!.usage).toEqual({ prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 });
        expect(read.events[0]!.at).toBeGreaterThanOrEqual(30);
      }),
    15_000,
  );
});
