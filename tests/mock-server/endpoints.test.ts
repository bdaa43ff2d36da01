import { describe, expect, test } from "bun:test";
import { json, post, retryTiming, SLACK_MS, startServer } from "./helpers.ts";

describe("non-streaming replies", () => {
  test(
    "chat: the whole reply with usage, after ttft + (n - 1) * itl",
    () =>
      retryTiming(async () => {
        const server = startServer({ ttft: 40, itl: 10, osl: 6 });
        const t0 = performance.now();
        const res = await post(server, "/v1/chat/completions", { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "a b c" }] }] });
        const elapsed = performance.now() - t0;
        expect(res.status).toBe(200);
        const body = await json(res);
        expect(elapsed).toBeGreaterThanOrEqual(40 + 5 * 10);
        expect(elapsed).toBeLessThan(40 + 5 * 10 + SLACK_MS);
        expect(body.object).toBe("chat.completion");
        expect(body.model).toBe("m");
        expect(body.choices[0].message.role).toBe("assistant");
        expect(body.choices[0].message.content.split(" ").length).toBe(6);
        expect(body.choices[0].finish_reason).toBe("length");
        expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
      }),
    15_000,
  );

  test("completions: choices[0].text, stream: false", async () => {
    const server = startServer({ ttft: 0, itl: 0 });
    const res = await post(server, "/v1/completions", { prompt: ["x y", "z"], max_tokens: 4, stream: false });
    const body = await json(res);
    expect(body.object).toBe("text_completion");
    expect(body.choices[0].text.split(" ").length).toBe(4);
    expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });
});

describe("embeddings and rankings", () => {
  test("embeddings: one unit vector per input, deterministic per text", async () => {
    const server = startServer({ ttft: 0, embeddingSize: 8 });
    const res = await post(server, "/v1/embeddings", { model: "e5", input: ["hello world", "bye", "hello world"] });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.object).toBe("list");
    expect(body.model).toBe("e5");
    expect(body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(body.data.map((d: { object: string; index: number }) => [d.object, d.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
      ["embedding", 2],
    ]);
    const [a, b, c] = body.data.map((d: { embedding: number[] }) => d.embedding);
    expect(a.length).toBe(8);
    expect(Math.abs(Math.hypot(...a) - 1)).toBeLessThan(1e-4);
    expect(c).toEqual(a);
    expect(b).not.toEqual(a);
    const single = await json(await post(server, "/v1/embeddings", { input: "bye" }));
    expect(single.data[0].embedding).toEqual(b);
  });

  test("rankings: one logit per passage, most relevant first", async () => {
    const server = startServer({ ttft: 0 });
    const res = await post(server, "/v1/ranking", { model: "r", query: { text: "what is up" }, passages: [{ text: "a" }, { text: "b" }, { text: "c" }] });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(Object.keys(body)).toEqual(["rankings"]);
    expect(body.rankings.map((r: { index: number }) => r.index).sort()).toEqual([0, 1, 2]);
    const logits = body.rankings.map((r: { logit: number }) => r.logit);
    expect(logits).toEqual([...logits].sort((x: number, y: number) => y - x));
  });
});

describe("other routes and bad requests", () => {
  test("GET /v1/models and /health", async () => {
    const server = startServer({ model: "my-model" });
    const models = await json(await fetch(`${server.url}/v1/models`));
    expect(models.object).toBe("list");
    expect(models.data[0]).toMatchObject({ id: "my-model", object: "model" });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });

  test("a body that is not JSON gets a 400 that says so", async () => {
    const server = startServer();
    const res = await post(server, "/v1/chat/completions", "{not json");
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toStartWith("Request body is not valid JSON");
  });

  test("a missing or wrong field gets a 400 that names it", async () => {
    const server = startServer();
    const missing = await json(await post(server, "/v1/chat/completions", { model: "m" }));
    expect(missing.error.message).toBe('Invalid request body: "messages" is required');
    expect(missing.error.param).toBe("messages");
    const wrong = await post(server, "/v1/ranking", { query: { text: "q" }, passages: [{ text: 3 }] });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).error.message).toStartWith("Invalid request body: passages.0.text:");
    const tokens = await post(server, "/v1/completions", { prompt: "x", max_tokens: 0 });
    expect(tokens.status).toBe(400);
  });

  test("unknown paths are 404, wrong methods 405, both as JSON", async () => {
    const server = startServer();
    const notFound = await fetch(`${server.url}/v2/nothing`);
    expect(notFound.status).toBe(404);
    expect((await json(notFound)).error.code).toBe(404);
    const wrongMethod = await fetch(`${server.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });
});
