/** --tokens-per-chunk: several generated tokens in one SSE event, as speculative decoding sends them. */
import { describe, expect, test } from "bun:test";
import { resolveMockServerOptions } from "../../src/mock-server/options.ts";
import { packEvents, type SseEvent } from "../../src/mock-server/stream.ts";
import { jsonEvents, post, readSse, startServer } from "./helpers.ts";

const delta = (content: string, at: number): SseEvent => ({
  at,
  tokens: 1,
  data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] }),
});

describe("packEvents", () => {
  test("runs of k token events merge; their text concatenates; the chunk leaves with its last token", () => {
    const events: SseEvent[] = [
      { at: 10, tokens: 0, data: '{"role":"assistant"}' },
      delta("a", 10),
      delta(" b", 15),
      delta(" c", 20),
      delta(" d", 25),
      delta(" e", 30),
      { at: 30, tokens: 0, data: "[DONE]" },
    ];
    const out = [...packEvents(events, 2)];
    expect(out.map((e) => [e.at, e.tokens])).toEqual([
      [10, 0],
      [15, 2],
      [25, 2],
      [30, 1],
      [30, 0],
    ]);
    expect(JSON.parse(out[1]!.data)).toEqual({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "a b" } }] });
    expect(JSON.parse(out[3]!.data).choices[0].delta.content).toBe(" e");
  });

  test("a fault cut before an event moves to the packed event that starts with it", () => {
    const events = [delta("a", 1), delta("b", 2), delta("c", 3), delta("d", 4), delta("e", 5)];
    let cut: number | undefined;
    const out = [...packEvents(events, 2, 3, (i) => (cut = i))];
    // [a b] [c] | [d e]: the stream is cut after 2 packed events, i.e. after 3 tokens as planned.
    expect(out.map((e) => e.tokens)).toEqual([2, 1, 2]);
    expect(cut).toBe(2);
  });

  test("the option defaults to 1 and rejects 0", () => {
    expect(resolveMockServerOptions().tokensPerChunk).toBe(1);
    expect(() => resolveMockServerOptions({ tokensPerChunk: 0 })).toThrow(/tokensPerChunk/);
  });

  test("a chat stream with 3 tokens per chunk: 8 tokens in 3 content chunks, usage still 8", async () => {
    const server = startServer({ ttft: 5, itl: 1, osl: 8, tokensPerChunk: 3 });
    const res = await post(server, "/v1/chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = jsonEvents(await readSse(res, performance.now()));
    const content = chunks.filter((c) => typeof c.choices?.[0]?.delta?.content === "string").map((c) => c.choices[0].delta.content as string);
    expect(content.map((t) => t.trim().split(" ").length)).toEqual([3, 3, 2]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(8);
  });
});
