/**
 * A real HTTP server on 127.0.0.1 whose latency follows the load: a chat completion takes
 * stepMs × the most requests in flight during the last 0.5 s (re-read while it waits, so a
 * request that arrives first in a burst still waits as long as the others). At concurrency c in
 * a closed loop every request takes about c × stepMs, so an SLA search has a known answer, which
 * the mock server (fixed latencies) cannot give. The window is shorter than the start-up of a
 * run, so one run's load does not reach into the next.
 */
export type LoadServer = { url: string; stop(): Promise<void> };

const WINDOW_MS = 500;

export function startLoadServer(stepMs: number): LoadServer {
  let inFlight = 0;
  let samples: { t: number; n: number }[] = [];
  const note = (): void => {
    const now = performance.now();
    samples = samples.filter((s) => s.t > now - WINDOW_MS);
    samples.push({ t: now, n: inFlight });
  };
  const peak = (): number => {
    const now = performance.now();
    return Math.max(inFlight, ...samples.filter((s) => s.t > now - WINDOW_MS).map((s) => s.n));
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/v1/models") return Response.json({ object: "list", data: [{ id: "mock-model", object: "model" }] });
      if (path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      await req.arrayBuffer();
      const start = performance.now();
      inFlight++;
      note();
      try {
        while (performance.now() - start < stepMs * peak()) await Bun.sleep(5);
      } finally {
        inFlight--;
        note();
      }
      return Response.json({
        id: "cmpl-1",
        object: "chat.completion",
        model: "mock-model",
        choices: [{ index: 0, message: { role: "assistant", content: "one two three four" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
