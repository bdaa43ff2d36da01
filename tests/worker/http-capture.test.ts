import { afterAll, describe, expect, test } from "bun:test";
import { abortWith, type CaptureFn, capture as fetchCapture } from "../../src/services/worker/http-capture.ts";
import { rawCapture } from "../../src/services/worker/raw-capture.ts";
import { body, closedPort, startServer } from "./support.ts";

const srv = startServer();
afterAll(() => srv.stop());

const headers = { "content-type": "application/json", accept: "text/event-stream" };
const decode = (chunks: Uint8Array[]): string => chunks.map((c) => new TextDecoder().decode(c)).join("");

// Both transports keep the same contract: every test runs on each.
const TRANSPORTS: [string, CaptureFn][] = [
  ["fetch", fetchCapture],
  ["raw", rawCapture],
];

describe.each(TRANSPORTS)("HTTP capture (%s)", (_name, capture) => {
  test("a stream: headers, then every read stamped in order, bytes kept as sent", async () => {
    const c = await capture({ url: `${srv.url}/v1/chat/completions`, headers, body: body({ mode: "stream", n: 5, gapMs: 10 }) }, new AbortController().signal);
    expect(c.error).toBeNull();
    expect([c.status, c.statusText, c.contentType]).toEqual([200, "OK", "text/event-stream"]);
    expect(c.ackNs).not.toBeNull();
    expect(c.startNs).toBeLessThanOrEqual(c.ackNs as number);
    expect(c.chunkNs.length).toBe(c.chunks.length);
    // 10 ms apart on the server, so several reads; an overloaded host may coalesce some of them.
    expect(c.chunks.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < c.chunkNs.length; i++) expect(c.chunkNs[i] as number).toBeGreaterThanOrEqual(c.chunkNs[i - 1] as number);
    expect(c.chunkNs[0] as number).toBeGreaterThanOrEqual(c.ackNs as number);
    expect(c.endNs).toBeGreaterThanOrEqual(c.chunkNs.at(-1) as number);
    expect(c.wallStartNs).toBeGreaterThan(1.6e18);
    const text = decode(c.chunks);
    expect(text.startsWith(": open\n\n")).toBe(true);
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(text.match(/tok\d/g)).toEqual(["tok0", "tok1", "tok2", "tok3", "tok4"]);
    // The last event left the server 50 ms after the headers; its read cannot be earlier.
    expect((c.chunkNs.at(-1) as number) - (c.ackNs as number)).toBeGreaterThan(45e6);
  });

  test("the request goes out with the given headers and body", async () => {
    await capture({ url: `${srv.url}/x`, headers: { ...headers, "x-request-id": "abc" }, body: body({ mode: "json" }) }, new AbortController().signal);
    expect(srv.lastHeaders()?.get("x-request-id")).toBe("abc");
    expect(srv.lastHeaders()?.get("accept")).toBe("text/event-stream");
  });

  test("an HTTP error status is captured, not an error: the parser decides", async () => {
    const c = await capture({ url: `${srv.url}/x`, headers, body: body({ mode: "error500" }) }, new AbortController().signal);
    expect([c.status, c.statusText, c.error, decode(c.chunks)]).toEqual([500, "Internal Server Error", null, "boom"]);
  });

  test("a refused connection is an error record, never a throw", async () => {
    const port = await closedPort();
    const c = await capture({ url: `http://127.0.0.1:${port}/x`, headers, body: body({ mode: "json" }) }, new AbortController().signal);
    expect(c.error).toMatchObject({ code: null, type: "ECONNREFUSED" });
    expect([c.ackNs, c.status, c.chunks.length]).toEqual([null, null, 0]);
    expect(c.endNs).toBeGreaterThanOrEqual(c.startNs);
  });

  test("an abort mid-stream reports the abort reason and keeps what arrived", async () => {
    const ctl = new AbortController();
    const error = { code: 499, type: "RequestCancellationError", message: "Request was cancelled after 0.050 seconds" };
    setTimeout(() => abortWith(ctl, error), 50);
    const c = await capture({ url: `${srv.url}/x`, headers, body: body({ mode: "hang" }) }, ctl.signal);
    expect(c.error).toEqual(error);
    expect(c.status).toBe(200);
    expect(decode(c.chunks)).toBe(": waiting\n\n");
    expect(c.endNs - c.startNs).toBeGreaterThan(45e6);
    expect(c.endNs - c.startNs).toBeLessThan(1e9);
  });

  test("an abort without a RecordError reason is an AbortError", async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 20);
    const c = await capture({ url: `${srv.url}/x`, headers, body: body({ mode: "hang" }) }, ctl.signal);
    expect(c.error).toMatchObject({ code: null, type: "AbortError" });
  });

  test("a connection cut mid-body is an error with what arrived before it", async () => {
    const raw = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          s.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: x\n\n\r\n");
          setTimeout(() => s.end(), 20);
        },
      },
    });
    try {
      const c = await capture({ url: `http://127.0.0.1:${raw.port}/x`, headers, body: body({ mode: "json" }) }, new AbortController().signal);
      expect(c.error).not.toBeNull();
      expect(c.error?.code).toBeNull();
      expect(c.status).toBe(200);
      expect(decode(c.chunks)).toBe("data: x\n\n");
    } finally {
      raw.stop(true);
    }
  });
});

describe.each(TRANSPORTS)("HTTP capture: reply size bound (%s)", (_name, capture) => {
  test("a stream longer than maxBytes stops there: ResponseTooLarge naming the flag, no bytes kept", async () => {
    const c = await capture(
      { url: `${srv.url}/v1/chat/completions`, headers, body: body({ mode: "stream", n: 50, gapMs: 1 }), maxBytes: 100 },
      new AbortController().signal,
    );
    expect(c.error?.type).toBe("ResponseTooLarge");
    expect(c.error?.message).toContain("--max-response-bytes (100 bytes)");
    expect([c.status, c.chunks.length, c.chunkNs.length]).toEqual([200, 0, 0]);
  });

  test("a reply within the bound is read whole", async () => {
    const c = await capture(
      { url: `${srv.url}/v1/chat/completions`, headers, body: body({ mode: "stream", n: 3, gapMs: 1 }), maxBytes: 1 << 20 },
      new AbortController().signal,
    );
    expect(c.error).toBeNull();
    expect(decode(c.chunks).endsWith("data: [DONE]\n\n")).toBe(true);
  });
});
