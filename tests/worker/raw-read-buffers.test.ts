/**
 * The raw transport keeps each read's body as a view of the Buffer Bun passed to the socket's data
 * callback (raw-capture.ts bodyOf), with no copy. That is only right while Bun gives every callback
 * a Buffer of its own and never fills it again: the first test holds Bun to that, the second checks
 * a captured reply's reads are still what the server wrote once the whole reply has been read.
 */
import { describe, expect, test } from "bun:test";
import { rawCapture } from "../../src/services/worker/raw-capture.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const READS = 120;
/** Different lengths and contents per write, so a reused or refilled buffer shows. */
const piece = (i: number): string => `piece-${i}-${String.fromCharCode(97 + (i % 26)).repeat(1 + ((i * 7) % 40))};`;

describe("raw transport read buffers", () => {
  test("Bun gives each data callback a Buffer of its own that later reads do not touch", async () => {
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        async open(s) {
          for (let i = 0; i < READS; i++) {
            s.write(piece(i));
            // Apart in time, so most writes arrive as reads of their own.
            await Bun.sleep(1);
          }
          s.end();
        },
        data() {},
      },
    });
    const kept: Uint8Array[] = [];
    const seen: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        void Bun.connect({
          hostname: "127.0.0.1",
          port: server.port,
          socket: {
            data(_s, bytes) {
              kept.push(bytes);
              seen.push(td.decode(bytes));
            },
            end: () => resolve(),
            close: () => resolve(),
            error: (_s, e) => reject(e),
          },
        }).catch(reject);
      });
    } finally {
      server.stop(true);
    }
    expect(kept.length).toBeGreaterThan(READS / 4);
    expect(new Set(kept.map((k) => k.buffer)).size).toBe(kept.length);
    expect(kept.map((k) => td.decode(k))).toEqual(seen);
    expect(seen.join("")).toBe(Array.from({ length: READS }, (_, i) => piece(i)).join(""));
  });

  test("a chunked reply's reads are intact after the last one, each stamped in order", async () => {
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        async data(s) {
          s.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
          for (let i = 0; i < READS; i++) {
            const p = piece(i);
            s.write(`${p.length.toString(16)}\r\n${p}\r\n`);
            await Bun.sleep(1);
          }
          s.write("0\r\n\r\n");
        },
      },
    });
    try {
      const c = await rawCapture(
        { url: `http://127.0.0.1:${server.port}/x`, headers: { "content-type": "application/json" }, body: te.encode("{}") },
        new AbortController().signal,
      );
      expect(c.error).toBeNull();
      expect(c.chunks.length).toBeGreaterThan(READS / 4);
      expect(c.chunks.length).toBe(c.chunkNs.length);
      expect(c.chunks.map((b) => td.decode(b)).join("")).toBe(Array.from({ length: READS }, (_, i) => piece(i)).join(""));
      for (let i = 1; i < c.chunkNs.length; i++) expect(c.chunkNs[i] as number).toBeGreaterThanOrEqual(c.chunkNs[i - 1] as number);
    } finally {
      server.stop(true);
    }
  });
});
