/** Shared by the mock-server tests: start a server on a free port, post JSON, read SSE with arrival times. */
import { afterEach } from "bun:test";
import type { MockServerOptions } from "../../src/mock-server/options.ts";
import { createMockServer, type MockServer } from "../../src/mock-server/server.ts";

/**
 * Upper-bound slack for timing checks. "Never early" bounds are exact; "not too late" bounds hold
 * on a quiet machine, and tests that check them run under `retryTiming`.
 */
export const SLACK_MS = 250;

/**
 * Runs a timing-sensitive check up to `attempts` times and passes on the first success. On a small
 * shared box (2 cores, other suites running) a whole process can be descheduled for a second; a
 * scheduling bug fails every attempt, a noisy neighbour does not.
 */
export async function retryTiming(check: () => Promise<void>, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (error) {
      if (i >= attempts) throw error;
    }
  }
}

const running: MockServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A server on 127.0.0.1:0, stopped after the test. */
export function startServer(options: Partial<MockServerOptions> = {}): MockServer {
  const server = createMockServer({ port: 0, randomSeed: 1, ...options });
  running.push(server);
  return server;
}

export function post(server: MockServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface SseEvent {
  data: string;
  /** ms after the `t0` given to readSse, when the read that carried it returned. */
  at: number;
}

export interface SseRead {
  events: SseEvent[];
  /** Comment lines (`: ok`) seen. */
  comments: string[];
  /** The body ended normally (the server closed it cleanly). */
  ended: boolean;
  /** What the body read rejected with, if it did. */
  error: unknown;
}

/** Reads a whole SSE body, stamping each read; never throws (a reset shows up in `error`). */
export async function readSse(res: Response, t0: number): Promise<SseRead> {
  const out: SseRead = { events: [], comments: [], ended: false, error: undefined };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const at = performance.now() - t0;
      if (done) {
        out.ended = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (block.startsWith(":")) out.comments.push(block);
        else if (block.startsWith("data: ")) out.events.push({ data: block.slice(6), at });
        cut = buffer.indexOf("\n\n");
      }
    }
  } catch (error) {
    out.error = error;
  }
  return out;
}

/** The JSON events of a stream (everything but [DONE]). */
export function jsonEvents(read: SseRead): Record<string, any>[] {
  return read.events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
}

/** A JSON reply as a loosely typed value: the assertions are the type check. */
export async function json(res: Response): Promise<any> {
  return res.json();
}
