import { afterEach, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { createMockServer, type MockServer } from "../../src/mock-server/server.ts";
import type { WriteEntry } from "../../src/mock-server/write-log.ts";
import { post } from "./helpers.ts";

const CHAT = { model: "m", messages: [{ role: "user", content: "hi" }], stream: true, max_completion_tokens: 5 };

let server: MockServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Reads a stream, stamping (monoNs) each content event by the read that carried it. */
async function contentArrivals(res: Response): Promise<number[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: number[] = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    const at = monoNs();
    if (done) return out;
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (block.startsWith("data: {") && JSON.parse(block.slice(6)).choices?.[0]?.delta?.content !== undefined) out.push(at);
      cut = buffer.indexOf("\n\n");
    }
  }
}

test("recordWrites: each streamed token's write time, by X-Request-ID, drained by GET /debug/writes", async () => {
  server = createMockServer({ port: 0, randomSeed: 1, ttft: 30, itl: 10 }, { recordWrites: true });
  const before = monoNs();
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "req-1" },
    body: JSON.stringify(CHAT),
  });
  const arrivals = await contentArrivals(res);
  const after = monoNs();
  expect(arrivals.length).toBe(5);

  const log = (await (await fetch(`${server.url}/debug/writes`)).json()) as WriteEntry[];
  expect(log.length).toBe(1);
  const [entry] = log as [WriteEntry];
  expect(entry.requestId).toBe("req-1");
  expect(entry.arrivalNs).toBeGreaterThanOrEqual(before);
  expect(entry.tokenNs.length).toBe(5);
  entry.tokenNs.forEach((t, i) => {
    // Never before its scheduled time, and on the same clock as this process: before the client read it.
    expect(t).toBeGreaterThanOrEqual(entry.arrivalNs + (30 + i * 10) * 1e6);
    expect(t).toBeLessThanOrEqual(arrivals[i] as number);
    expect(t).toBeLessThanOrEqual(after);
  });

  // Reading empties the log; a request without the header is logged with requestId null.
  expect(await (await fetch(`${server.url}/debug/writes`)).json()).toEqual([]);
  await (await post(server, "/v1/chat/completions", { ...CHAT, max_completion_tokens: 2 })).text();
  const second = (await (await fetch(`${server.url}/debug/writes`)).json()) as WriteEntry[];
  expect(second.map((e) => [e.requestId, e.tokenNs.length])).toEqual([[null, 2]]);
});

test("off by default: nothing is recorded and /debug/writes is an unknown path", async () => {
  server = createMockServer({ port: 0, randomSeed: 1, ttft: 0, itl: 0 });
  await (await post(server, "/v1/chat/completions", CHAT)).text();
  const res = await fetch(`${server.url}/debug/writes`);
  expect(res.status).toBe(404);
  expect(((await res.json()) as { error: { type: string } }).error.type).toBe("not_found_error");
});
