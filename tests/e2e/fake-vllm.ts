/**
 * A small stand-in for vLLM's OpenAI server, for the pre-flight tests: it checks the API key and
 * the model name as vLLM does (401 `{"error": "Unauthorized"}` on /v1 paths; 404 "The model `x`
 * does not exist."), serves /health, /v1/models and /v1/chat/completions, answers 503 to
 * everything while "loading" for its first `loadingMs`, and counts what it received: benchmark
 * requests apart from pre-flight probes (marked `x-aiperf-probe`).
 */
export type FakeVllmOptions = {
  models?: string[];
  apiKey?: string;
  /** Answer 503 to every request for this long after starting (weights loading). */
  loadingMs?: number;
  /** Honour `stream: true` with SSE; false = always one JSON reply, as a server without streaming. */
  streams?: boolean;
};

export type FakeVllm = {
  url: string;
  port: number;
  /** Chat POSTs that were not probes (the benchmark's own requests). */
  readonly chatRequests: number;
  /** Every request as "METHOD /path", probes marked " (probe)". */
  readonly seen: string[];
  stop(): void;
};

export function startFakeVllm(options: FakeVllmOptions = {}): FakeVllm {
  const models = options.models ?? ["Qwen/Qwen3-0.6B"];
  const readyAt = performance.now() + (options.loadingMs ?? 0);
  const seen: string[] = [];
  let chatRequests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const probe = req.headers.get("x-aiperf-probe") !== null;
      seen.push(`${req.method} ${path}${probe ? " (probe)" : ""}`);
      if (performance.now() < readyAt)
        return Response.json({ error: { message: "Model is loading", type: "ServiceUnavailableError", code: 503 } }, { status: 503 });
      if (path === "/health" && req.method === "GET") return new Response(null, { status: 200 });
      if (options.apiKey !== undefined && path.startsWith("/v1") && req.headers.get("authorization") !== `Bearer ${options.apiKey}`) {
        return Response.json({ error: "Unauthorized" }, { status: 401 });
      }
      if (path === "/v1/models" && req.method === "GET") {
        return Response.json({ object: "list", data: models.map((id) => ({ id, object: "model", owned_by: "vllm" })) });
      }
      if (path === "/v1/chat/completions") {
        if (req.method !== "POST") return Response.json({ detail: "Method Not Allowed" }, { status: 405 });
        const body = (await req.json().catch(() => ({}))) as { model?: string; stream?: boolean; messages?: unknown };
        if (!Array.isArray(body.messages))
          return Response.json({ error: { message: "messages: Field required", type: "BadRequestError", code: 400 } }, { status: 400 });
        if (!probe) chatRequests++;
        if (body.model === undefined || !models.includes(body.model)) {
          return Response.json({ error: { message: `The model \`${body.model}\` does not exist.`, type: "NotFoundError", code: 404 } }, { status: 404 });
        }
        if (body.stream === true && options.streams !== false) return streamed(body.model);
        return Response.json({
          id: "chatcmpl-fake",
          object: "chat.completion",
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content: "hello from the fake" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
        });
      }
      return Response.json({ detail: "Not Found" }, { status: 404 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port as number,
    get chatRequests() {
      return chatRequests;
    },
    seen,
    stop: () => void server.stop(true),
  };
}

function streamed(model: string): Response {
  const chunk = (content: string, finish: string | null) =>
    `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", model, choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
  const text = `${chunk("hello", null)}${chunk(" from", null)}${chunk(" the fake", "stop")}data: [DONE]\n\n`;
  return new Response(text, { headers: { "content-type": "text/event-stream" } });
}
