/**
 * A scripted OpenAI-style server for the worker tests. The request body says what to do:
 * {"mode":"stream","n":5,"gapMs":5} streams n content chunks; "json" answers one chat.completion;
 * "error500" fails; "hang" sends headers and a comment, then waits until the client goes away.
 */
import type { Server } from "bun";

export type Mode = { mode: "stream" | "json" | "error500" | "hang"; n?: number; gapMs?: number };

const te = new TextEncoder();
const chunk = (delta: object, extra: object = {}): string =>
  `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;

export type TestServer = { server: Server<undefined>; url: string; lastHeaders: () => Headers | undefined; stop(): Promise<void> };

export function startServer(): TestServer {
  let last: Headers | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      last = req.headers;
      const mode = (await req.json()) as Mode;
      switch (mode.mode) {
        case "error500":
          return new Response("boom", { status: 500 });
        case "json":
          return Response.json({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "one two three four" } }] });
        case "hang":
          return sse(async (write) => {
            write(": waiting\n\n");
            await Promise.race([Bun.sleep(10_000), aborted(req.signal)]);
          });
        default:
          return sse(async (write) => {
            // Bun.serve holds the headers until the first write (bun-runtime §1), so send a comment first.
            write(": open\n\n");
            write(chunk({ role: "assistant" }));
            for (let i = 0; i < (mode.n ?? 5); i++) {
              await Bun.sleep(mode.gapMs ?? 5);
              write(chunk({ content: `tok${i} ` }));
            }
            write(chunk({}, { choices: [], usage: { completion_tokens: mode.n } }));
            write("data: [DONE]\n\n");
          });
      }
    },
  });
  return {
    server,
    url: `http://127.0.0.1:${server.port}`,
    lastHeaders: () => last,
    stop: () => server.stop(true),
  };
}

function sse(body: (write: (s: string) => void) => Promise<void>): Response {
  const stream = new ReadableStream({
    type: "direct",
    async pull(c) {
      await body((s) => {
        c.write(te.encode(s));
        c.flush();
      });
      c.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream" } });
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = s.port as number;
  await s.stop(true);
  return port;
}

export const body = (mode: Mode): Uint8Array => te.encode(JSON.stringify(mode));
