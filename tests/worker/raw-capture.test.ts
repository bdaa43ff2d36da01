/**
 * What only the raw transport has to get right on its own (the shared contract is in
 * http-capture.test.ts): connection reuse, framing of odd replies, TLS, large request bodies.
 * TLS runs on both transports against a Bun.serve with a certificate made here by openssl.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CaptureFn, capture as fetchCapture } from "../../src/services/worker/http-capture.ts";
import { rawCapture } from "../../src/services/worker/raw-capture.ts";
import { serveTls } from "../tls-cert.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const text = (chunks: Uint8Array[]): string => chunks.map((c) => td.decode(c)).join("");
const post = (url: string, body = "{}", extra: Record<string, string> = {}) => ({
  url,
  headers: { "content-type": "application/json", ...extra },
  body: te.encode(body),
});
const never = (): AbortSignal => new AbortController().signal;

/** A socket server answering each request (one read each, small requests) with `reply(n)`; counts connections. */
function rawServer(reply: (n: number) => string | null) {
  let connections = 0;
  let requests = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        connections++;
      },
      data(s) {
        const r = reply(++requests);
        if (r === null) s.terminate();
        else s.write(r);
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}/x`, connections: () => connections, stop: () => listener.stop(true) };
}

describe("raw transport", () => {
  test("keep-alive: one connection carries request after request, and says it was reused", async () => {
    const srv = rawServer(() => "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    try {
      const a = await rawCapture(post(srv.url), never());
      const b = await rawCapture(post(srv.url), never());
      expect([a.error, b.error, text(a.chunks), text(b.chunks)]).toEqual([null, null, "ok", "ok"]);
      expect([a.reused, b.reused, srv.connections()]).toEqual([false, true, 1]);
    } finally {
      srv.stop();
    }
  });

  test("connection: close, and a body that runs to the close, are read whole and not reused", async () => {
    const srv = rawServer((n) => (n % 2 === 1 ? "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 3\r\n\r\none" : null));
    const close = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (s) => void (s.write("HTTP/1.1 200 OK\r\n\r\nuntil close"), s.end()) } });
    try {
      const a = await rawCapture(post(srv.url), never());
      const b = await rawCapture(post(srv.url), never());
      expect([a.error, text(a.chunks)]).toEqual([null, "one"]);
      // A new connection, not the closed one: the server answers its first request again.
      expect([b.reused, srv.connections()]).toEqual([false, 2]);
      const c = await rawCapture(post(`http://127.0.0.1:${close.port}/x`), never());
      expect([c.error, text(c.chunks)]).toEqual([null, "until close"]);
    } finally {
      srv.stop();
      close.stop(true);
    }
  });

  test("garbage and a bad chunked body are error records named as fetch names them", async () => {
    const garbage = rawServer(() => "xx garbage\r\n\r\nmore");
    const badChunk = rawServer(() => "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n");
    try {
      expect((await rawCapture(post(garbage.url), never())).error?.type).toBe("Malformed_HTTP_Response");
      const c = await rawCapture(post(badChunk.url), never());
      expect([c.error?.type, c.status]).toEqual(["InvalidHTTPResponse", 200]);
    } finally {
      garbage.stop();
      badChunk.stop();
    }
  });

  test("a reset before any reply is ECONNRESET on a new connection, reused false (no stale retry)", async () => {
    const srv = rawServer(() => null);
    try {
      const c = await rawCapture(post(srv.url), never());
      expect([c.error?.type, c.ackNs, c.reused]).toEqual(["ECONNRESET", null, false]);
    } finally {
      srv.stop();
    }
  });

  test("a request body larger than the socket's buffer goes out whole", async () => {
    let got = 0;
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (r) => new Response(String((got = (await r.arrayBuffer()).byteLength))) });
    try {
      const big = "x".repeat(8 << 20);
      const c = await rawCapture(post(`http://127.0.0.1:${server.port}/x`, big), never());
      expect([c.error, text(c.chunks), got]).toEqual([null, String(8 << 20), 8 << 20]);
    } finally {
      server.stop(true);
    }
  });

  test("large bodies in flight together, with small requests between, each arrive intact (the request buffer is reused)", async () => {
    const seen: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (r) => {
        const b = new Uint8Array(await r.arrayBuffer());
        // Every byte of a body is its first byte: a body overwritten by a later request would not be.
        const whole = b.every((x) => x === b[0]);
        seen.push(`${String.fromCharCode(b[0] as number)}${b.length}${whole ? "" : " torn"}`);
        return new Response("ok");
      },
    });
    try {
      const url = `http://127.0.0.1:${server.port}/x`;
      const bodies = ["a", "b", "c"].map((ch) => ch.repeat(4 << 20));
      const small = ["d", "e", "f", "g"].map((ch) => ch.repeat(100));
      const all = await Promise.all([...bodies, ...small].map((b) => rawCapture(post(url, b), never())));
      expect(all.map((c) => [c.error, c.status])).toEqual(all.map(() => [null, 200]));
      expect(seen.sort()).toEqual(["a4194304", "b4194304", "c4194304", "d100", "e100", "f100", "g100"]);
    } finally {
      server.stop(true);
    }
  });

  test("a header whose value changes is checked again: a line break in the new value is refused", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => new Response(r.headers.get("x-k")) });
    try {
      const url = `http://127.0.0.1:${server.port}/x`;
      const first = await rawCapture(post(url, "{}", { "x-k": "one" }), never());
      const again = await rawCapture(post(url, "{}", { "x-k": "one" }), never());
      const bad = await rawCapture(post(url, "{}", { "x-k": "two\r\nhost: b" }), never());
      const other = await rawCapture(post(url, "{}", { "x-k": "three" }), never());
      expect([text(first.chunks), text(again.chunks), bad.error?.type, text(other.chunks)]).toEqual(["one", "one", "TypeError", "three"]);
    } finally {
      server.stop(true);
    }
  });

  test("a multipart body goes out with its boundary, as fetch sends it", async () => {
    let seen = "";
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (r) => new Response(((seen = String((await r.formData()).get("model"))), "ok")) });
    try {
      const form = new FormData();
      form.set("model", "whisper");
      form.set("file", new Blob([new Uint8Array(10)]), "a.wav");
      const c = await rawCapture({ url: `http://127.0.0.1:${server.port}/x`, headers: {}, body: form }, never());
      expect([c.error, c.status, seen]).toEqual([null, 200, "whisper"]);
    } finally {
      server.stop(true);
    }
  });

  test("a header value with a line break is refused, not sent", async () => {
    const c = await rawCapture(post("http://127.0.0.1:9/x", "{}", { "x-evil": "a\r\nhost: b" }), never());
    expect(c.error?.type).toBe("TypeError");
    expect(c.error?.message).toContain("line break");
  });
});

const HAS_OPENSSL = Bun.which("openssl") !== null;
if (!HAS_OPENSSL) console.warn("openssl not found: the TLS tests are skipped");

describe.skipIf(!HAS_OPENSSL).each([
  ["fetch", fetchCapture],
  ["raw", rawCapture],
] as [string, CaptureFn][])("TLS (%s)", (_name, capture) => {
  let server: ReturnType<typeof serveTls> | undefined;
  let url = "";
  beforeAll(() => {
    server = serveTls(async (r) => new Response(`hi ${await r.text()}`));
    url = `https://127.0.0.1:${server.server.port}/x`;
  });
  afterAll(() => {
    server?.stop();
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  });

  test("a self-signed certificate is refused by default, with the reason", async () => {
    const c = await capture(post(url), never());
    expect(c.error?.type).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(c.status).toBeNull();
  });

  test("NODE_TLS_REJECT_UNAUTHORIZED=0 accepts it; requests go through", async () => {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      for (let i = 0; i < 3; i++) {
        const c = await capture(post(url, `{"n":${i}}`), never());
        expect([c.error, c.status, text(c.chunks)]).toEqual([null, 200, `hi {"n":${i}}`]);
      }
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    }
  });
});
