import { describe, expect, test } from "bun:test";
import { json, jsonEvents, post, readSse, retryTiming, startServer } from "./helpers.ts";

const CHAT = { messages: [{ role: "user", content: "hi" }] };

describe("fault injection", () => {
  test("--error-rate 100: every inference request gets a 500 with an OpenAI-style error", async () => {
    const server = startServer({ errorRate: 100, ttft: 0 });
    const replies = await Promise.all([
      post(server, "/v1/chat/completions", { ...CHAT, stream: true }),
      post(server, "/v1/chat/completions", CHAT),
      post(server, "/v1/completions", { prompt: "x" }),
      post(server, "/v1/embeddings", { input: "x" }),
      post(server, "/v1/ranking", { query: { text: "q" }, passages: [{ text: "p" }] }),
    ]);
    for (const res of replies) {
      expect(res.status).toBe(500);
      const body = await json(res);
      expect(body.error).toMatchObject({ type: "server_error", code: 500 });
      expect(body.error.message).toContain("--error-rate");
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  test("--reset-rate 100: the stream is cut after a few tokens; the client sees an error, not a clean end", async () => {
    const server = startServer({ resetRate: 100, ttft: 10, itl: 20, osl: 10 });
    for (let i = 0; i < 3; i++) {
      // On a busy box the reset can even beat the headers to the client: then fetch() itself rejects.
      const res = await post(server, "/v1/chat/completions", { ...CHAT, stream: true, stream_options: { include_usage: true } }).catch(
        (error: unknown) => error,
      );
      if (!(res instanceof Response)) {
        expect(String(res)).toContain("ECONNRESET");
        continue;
      }
      expect(res.status).toBe(200);
      const read = await readSse(res, performance.now());
      expect(read.ended).toBe(false);
      expect(String(read.error)).toContain("ECONNRESET");
      expect(read.events.some((e) => e.data === "[DONE]")).toBe(false);
      const chunks = jsonEvents(read);
      expect(chunks.some((c) => c.choices?.[0]?.finish_reason === "length")).toBe(false);
      // At most the first half of the tokens (plus the role chunk) went out.
      expect(chunks.length).toBeLessThanOrEqual(1 + 5);
    }
    // The server itself is fine.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  test(
    "--stall-rate 100: one pause of --stall-ms in the middle of the stream",
    () =>
      retryTiming(async () => {
        const server = startServer({ stallRate: 100, stallMs: 400, ttft: 10, itl: 10, osl: 5 });
        const t0 = performance.now();
        const read = await readSse(await post(server, "/v1/completions", { prompt: "x", stream: true }), t0);
        expect(read.ended).toBe(true);
        const tokens = read.events.slice(0, 5).map((e) => e.at);
        // One gap holds the pause (timers on a busy box can eat into it a little, never add to the total).
        const gaps = tokens.slice(1).map((at, i) => at - tokens[i]!);
        expect(Math.max(...gaps), JSON.stringify(tokens)).toBeGreaterThanOrEqual(350);
        expect(tokens[4]!).toBeGreaterThanOrEqual(10 + 4 * 10 + 400);
        // Non-streaming requests pay the same pause in their latency.
        const t1 = performance.now();
        await json(await post(server, "/v1/completions", { prompt: "x" }));
        expect(performance.now() - t1).toBeGreaterThanOrEqual(10 + 4 * 10 + 400);
      }),
    15_000,
  );

  test("--random-seed makes the faults reproducible", async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const server = startServer({ errorRate: 50, ttft: 0, itl: 0, osl: 1, randomSeed: seed });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await post(server, "/v1/completions", { prompt: "x" });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      return statuses;
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(500);
  });
});
