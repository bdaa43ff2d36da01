/**
 * The raw transport writes every request from one reused buffer (raw-capture.ts requestBytes) and
 * relies on socket.write having taken what it reports as written: the rest is copied and written on
 * drain (raw-pool.ts Conn.write). raw-capture.test.ts holds plain TCP to that; this file holds Bun's
 * TLS sockets to it. Bodies of several MiB do not fit the socket's buffers, so their writes are
 * partial and finish on drain while later requests refill the shared buffer; the server hashes every
 * body and the test compares each hash with the one of the body it sent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawCapture } from "../../src/services/worker/raw-capture.ts";
import { serveTls } from "../tls-cert.ts";

const HAS_OPENSSL = Bun.which("openssl") !== null;
if (!HAS_OPENSSL) console.warn("openssl not found: the raw transport's TLS write test is skipped");

const td = new TextDecoder();
const never = (): AbortSignal => new AbortController().signal;
const sha = (b: Uint8Array): string => new Bun.CryptoHasher("sha256").update(b).digest("hex");

/** Bytes that differ with `seed` at every position (xorshift), so a body torn by a later request shows. */
function body(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe.skipIf(!HAS_OPENSSL)("raw transport over TLS: the reused request buffer", () => {
  let server: ReturnType<typeof serveTls> | undefined;
  let url = "";
  /** Hash of every body the server received, by the x-n header the client sent with it. */
  const seen = new Map<string, string>();
  const ports = new Set<number>();
  beforeAll(() => {
    server = serveTls(async (r, s) => {
      const b = new Uint8Array(await r.arrayBuffer());
      const h = sha(b);
      seen.set(r.headers.get("x-n") ?? "?", h);
      ports.add(s.requestIP(r)?.port ?? -1);
      return new Response(`${b.length} ${h}`);
    });
    url = `https://127.0.0.1:${server.server.port}/x`;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  });
  afterAll(() => {
    server?.stop();
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  });

  const send = (n: string, b: Uint8Array) => rawCapture({ url, headers: { "content-type": "application/octet-stream", "x-n": n }, body: b }, never());

  test("large and small bodies in flight together on separate connections each arrive byte for byte", async () => {
    seen.clear();
    const sizes = [6 << 20, 100, 5 << 20, 3, 7 << 20, 4096, 2000];
    const bodies = sizes.map((size, i) => body(100 + i, size));
    const all = await Promise.all(bodies.map((b, i) => send(`p${i}`, b)));
    expect(all.map((c) => [c.error, c.status])).toEqual(all.map(() => [null, 200]));
    expect(all.map((c) => td.decode(Buffer.concat(c.chunks)))).toEqual(bodies.map((b) => `${b.length} ${sha(b)}`));
    expect(bodies.map((_, i) => seen.get(`p${i}`))).toEqual(bodies.map(sha));
  });

  test("on one kept-alive connection, large bodies alternate with small ones, each arriving byte for byte", async () => {
    seen.clear();
    ports.clear();
    const sizes = [5 << 20, 10, 4 << 20, 300, 9 << 20, 1, 6 << 20, 70000];
    const reused: boolean[] = [];
    for (const [i, size] of sizes.entries()) {
      const b = body(200 + i, size);
      const c = await send(`s${i}`, b);
      expect([c.error, c.status, td.decode(Buffer.concat(c.chunks))]).toEqual([null, 200, `${size} ${sha(b)}`]);
      expect(seen.get(`s${i}`)).toBe(sha(b));
      reused.push(c.reused === true);
    }
    // Every request after the first went out on the same connection.
    expect(reused.slice(1)).toEqual(sizes.slice(1).map(() => true));
    expect(ports.size).toBe(1);
  });

  test("a large body is partly written when a small request on another connection refills the buffer", async () => {
    seen.clear();
    // Start the large one, then, without waiting, several small ones: each refills the shared buffer
    // while the large write is still pending on drain.
    const big = body(300, 8 << 20);
    const smalls = Array.from({ length: 6 }, (_, i) => body(301 + i, 64 + i * 1000));
    const first = send("big", big);
    const rest = smalls.map((b, i) => send(`t${i}`, b));
    const all = await Promise.all([first, ...rest]);
    expect(all.map((c) => [c.error, c.status])).toEqual(all.map(() => [null, 200]));
    expect(seen.get("big")).toBe(sha(big));
    expect(smalls.map((_, i) => seen.get(`t${i}`))).toEqual(smalls.map(sha));
  });
});
