/**
 * The decoder keeps the chunks Bun hands to a socket's data callback (frame bodies are views of
 * them, decoder.ts). That is only right while Bun gives every callback memory of its own and never
 * fills it again. This holds Bun to it on every kind of socket the bus uses (tcp, ipc path, ipc
 * abstract), on both sides (Bun.listen and Bun.connect), with the bus's binaryType, through a
 * pause and resume, and with reads from small to several hundred KiB.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";

const WRITES = 80;
/** Different lengths and contents per write; every 10th one large, so reads of many sizes come. */
function piece(i: number): Uint8Array {
  const size = i % 10 === 9 ? 300_000 + i * 100 : 1 + ((i * 37) % 900);
  const out = new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = (i * 31 + j * 7) & 0xff;
  return out;
}
const total = Array.from({ length: WRITES }, (_, i) => piece(i).length).reduce((a, b) => a + b, 0);

type Kept = { chunks: Uint8Array[]; copies: Uint8Array[] };

/** Writes every piece, apart in time, honouring back-pressure. */
async function writeAll(s: Socket<unknown>, drained: () => Promise<void>): Promise<void> {
  for (let i = 0; i < WRITES; i++) {
    let rest = piece(i);
    while (rest.length > 0) {
      const n = s.write(rest);
      rest = rest.subarray(Math.max(0, n));
      if (rest.length > 0) await drained();
    }
    if (i % 4 === 0) await Bun.sleep(1);
  }
}

function expectOwned(kept: Kept): void {
  // Every read arrived, in order, and still holds what it held when its callback ran.
  expect(kept.chunks.reduce((a, c) => a + c.length, 0)).toBe(total);
  for (let i = 0; i < kept.chunks.length; i++) {
    if (!Buffer.from(kept.chunks[i] as Uint8Array).equals(kept.copies[i] as Uint8Array)) throw new Error(`read ${i} changed after its callback`);
  }
  const joined = Buffer.concat(kept.chunks);
  expect(joined.equals(Buffer.concat(Array.from({ length: WRITES }, (_, i) => piece(i))))).toBe(true);
  // No two reads share memory.
  expect(new Set(kept.chunks.map((c) => c.buffer)).size).toBe(kept.chunks.length);
}

const dir = mkdtempSync(join(tmpdir(), "aiperf-bus-reads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kinds = [
  ["tcp", () => ({ hostname: "127.0.0.1", port: 0 })],
  ["ipc path", () => ({ unix: join(dir, `s${Math.random().toString(36).slice(2)}.sock`) })],
  ["ipc abstract", () => ({ unix: `\0aiperf-bus-reads-${process.pid}-${Math.random().toString(36).slice(2)}` })],
] as const;

describe.each(kinds)("Bun read buffers (%s)", (_kind, where) => {
  test("each data callback's chunk is its own and is never filled again, on both sides", async () => {
    const atServer: Kept = { chunks: [], copies: [] };
    const atClient: Kept = { chunks: [], copies: [] };
    let serverDrain: () => void = () => {};
    let clientDrain: () => void = () => {};
    let serverDone: () => void = () => {};
    let clientDone: () => void = () => {};
    const serverGotAll = new Promise<void>((r) => (serverDone = r));
    const clientGotAll = new Promise<void>((r) => (clientDone = r));
    const keep = (k: Kept, chunk: Uint8Array, done: () => void) => {
      k.chunks.push(chunk);
      k.copies.push(chunk.slice());
      if (k.chunks.reduce((a, c) => a + c.length, 0) >= total) done();
    };
    let paused = false;
    const addr = where();
    const listener = Bun.listen({
      ...addr,
      socket: {
        binaryType: "uint8array",
        open(s) {
          void writeAll(s as Socket<unknown>, () => new Promise((r) => (serverDrain = r)));
        },
        data(s, chunk) {
          keep(atServer, chunk, serverDone);
          // Once, as the bus does under back-pressure (connection.ts pause/resume).
          if (!paused && atServer.chunks.length === 3) {
            paused = true;
            s.pause();
            setTimeout(() => s.resume(), 20);
          }
        },
        drain: () => serverDrain(),
      },
    } as Parameters<typeof Bun.listen>[0]);
    const to = "unix" in addr ? { unix: addr.unix } : { hostname: "127.0.0.1", port: (listener as unknown as { port: number }).port };
    let client: Socket<unknown> | undefined;
    try {
      client = await Bun.connect({
        ...to,
        socket: {
          binaryType: "uint8array",
          data: (_s, chunk) => keep(atClient, chunk, clientDone),
          drain: () => clientDrain(),
        },
      } as Parameters<typeof Bun.connect>[0]);
      await writeAll(client, () => new Promise((r) => (clientDrain = r)));
      await Promise.all([serverGotAll, clientGotAll]);
    } finally {
      client?.terminate();
      listener.stop(true);
    }
    expect(atServer.chunks.length).toBeGreaterThan(WRITES / 8);
    expect(atClient.chunks.length).toBeGreaterThan(WRITES / 8);
    expect(atServer.chunks[0]).toBeInstanceOf(Uint8Array);
    expectOwned(atServer);
    expectOwned(atClient);
  });
});
