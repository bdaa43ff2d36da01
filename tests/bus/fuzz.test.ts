/**
 * Seeded fuzzing of everything that reads bytes from a peer: the Decoder on its own, and a whole
 * ZmtpConnection driven through a fake socket. Streams start valid (greeting + READY + traffic)
 * and are then damaged: bit flips, truncation, splices, huge LONG sizes, reserved flags, random
 * bytes. Properties checked on every case:
 *   - no exception escapes; a bad stream comes back as a non-empty reason string;
 *   - nothing is sized from an unchecked length: every frame fits the cap, and no body's backing
 *     buffer is larger than the bytes fed so far (with an uncapped decoder, allocating from a
 *     2^40-byte header would throw, which would count as an escaped exception);
 *   - a connection that drops its peer logs a reason, delivers no message before READY and none
 *     over maxMessageSize, and everything it wrote back is itself a well-formed ZMTP stream.
 * A failure message names the seed and case number, so the case can be replayed.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { type BunSocket, ZmtpConnection } from "../../src/bus/connection.ts";
import { Decoder } from "../../src/bus/decoder.ts";
import { encodeCommand, encodeGreeting, encodeMessage, encodePing, encodeReady, parseGreeting, type WireSocketType } from "../../src/bus/frame.ts";
import { type BusLogger, setBusLogger } from "../../src/bus/index.ts";
import type { Pipe, PipeOwner } from "../../src/bus/pipe.ts";
import { concat, prng } from "./support.ts";

// bunfig.toml's [test] timeout is not applied by bun 1.4.5 (tests still stop at 5 s), so set it here.
// Each test needs about 2 s of CPU; the margin is for a CI box whose cores are shared.
setDefaultTimeout(120_000);

/** CPU milliseconds since `start`, printed so a slow run can be told apart from a starved one. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
}

const SEED = 0x5eed_2026;
const DECODER_CASES = 100_000;
const CONNECTION_CASES = 25_000;
const SMALL_CAP = 2048;

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: Rand, list: readonly T[]): T => list[int(rand, list.length)] as T;

function randomBytes(rand: Rand, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(rand, 256);
  return out;
}

const PEER_OF: Partial<Record<WireSocketType, WireSocketType>> = { ROUTER: "DEALER", DEALER: "ROUTER", PULL: "PUSH", PUSH: "PULL", PUB: "SUB", SUB: "PUB" };
const LOCAL_TYPES = ["ROUTER", "DEALER", "PULL", "PUSH", "PUB", "SUB"] as const;

/** A valid stream a `peerType` peer could send, with the offsets of its frame headers. */
function validStream(rand: Rand, peerType: WireSocketType): { bytes: Uint8Array; headers: number[] } {
  const parts: Uint8Array[] = [];
  const headers: number[] = [];
  let at = 0;
  const push = (b: Uint8Array, isFrameStart = true) => {
    if (isFrameStart) headers.push(at);
    parts.push(b);
    at += b.length;
  };
  const greeting = encodeGreeting();
  // libzmq fills the padding and may announce minor 0 (4.3.2 and older).
  greeting[8] = int(rand, 4);
  if (rand() < 0.2) greeting[11] = 0;
  push(greeting, false);
  const withId = peerType === "DEALER" || peerType === "ROUTER";
  push(encodeReady(peerType, withId ? (rand() < 0.5 ? new Uint8Array(0) : randomBytes(rand, 1 + int(rand, 8))) : undefined));
  const items = int(rand, 8);
  for (let i = 0; i < items; i++) {
    const kind = int(rand, 6);
    if (kind === 0) push(encodeCommand(pick(rand, ["SUBSCRIBE", "CANCEL"]), randomBytes(rand, int(rand, 3) === 0 ? 250 : int(rand, 12))));
    else if (kind === 1) push(encodePing(int(rand, 600), randomBytes(rand, int(rand, 20))));
    else if (kind === 2) push(encodeCommand(pick(rand, ["PONG", "X-UNKNOWN", "READY", "ERROR"]), randomBytes(rand, int(rand, 10))));
    else {
      const frames: Uint8Array[] = [];
      const count = 1 + int(rand, 4);
      for (let f = 0; f < count; f++) frames.push(randomBytes(rand, rand() < 0.1 ? 256 + int(rand, 600) : int(rand, 40)));
      // Record each frame's header offset so mutations can hit headers precisely.
      let off = at;
      for (const f of frames) {
        headers.push(off);
        off += (f.length > 255 ? 9 : 2) + f.length;
      }
      push(encodeMessage(frames), false);
    }
  }
  return { bytes: concat(...parts), headers };
}

const HUGE_SIZES = [2 ** 63 - 1, 2 ** 53, 2 ** 53 - 1, 2 ** 40, 2 ** 32, 2 ** 31, 2 ** 32 - 1, SMALL_CAP + 1, 0];

function longHeader(flags: number, size: number): Uint8Array {
  const h = new Uint8Array(9);
  h[0] = flags | 0x02;
  const big = BigInt(Math.min(size, 2 ** 64 - 1));
  new DataView(h.buffer).setBigUint64(1, big > 0xffff_ffff_ffff_ffffn ? 0xffff_ffff_ffff_ffffn : big);
  return h;
}

/** Applies 1–4 random kinds of damage. */
function mutate(rand: Rand, base: { bytes: Uint8Array; headers: number[] }, other: Uint8Array): Uint8Array {
  let b = base.bytes;
  const ops = 1 + int(rand, 4);
  for (let n = 0; n < ops; n++) {
    const len = b.length;
    const pos = int(rand, len + 1);
    switch (int(rand, 11)) {
      case 0: {
        b = b.slice();
        for (let k = 1 + int(rand, 8); k > 0 && len > 0; k--) b[int(rand, len)] = (b[int(rand, len)] as number) ^ (1 << int(rand, 8));
        break;
      }
      case 1:
        b = b.slice(0, pos);
        break;
      case 2:
        b = concat(b.subarray(0, pos), other.subarray(int(rand, other.length + 1)));
        break;
      case 3: {
        // Replace a real frame header (offsets valid on the first op only) with a huge LONG one.
        const h = n === 0 && base.headers.length > 0 ? pick(rand, base.headers) : pos;
        const oldHeader = h < len && ((b[h] as number) & 0x02) !== 0 ? 9 : 2;
        const flags = pick(rand, [0x00, 0x01, 0x04]);
        const size = rand() < 0.2 ? Math.floor(rand() * 2 ** 53) : pick(rand, HUGE_SIZES);
        b = concat(b.subarray(0, h), longHeader(flags, size), b.subarray(Math.min(len, h + oldHeader)));
        break;
      }
      case 4: {
        b = b.slice();
        const end = Math.min(len, pos + 1 + int(rand, 16));
        for (let i = pos; i < end; i++) b[i] = int(rand, 256);
        break;
      }
      case 5:
        b = concat(b.subarray(0, pos), randomBytes(rand, 1 + int(rand, 32)), b.subarray(pos));
        break;
      case 6:
        b = concat(b.subarray(0, pos), b.subarray(Math.min(len, pos + 1 + int(rand, 32))));
        break;
      case 7: {
        const from = int(rand, len + 1);
        b = concat(b.subarray(0, pos), b.subarray(from, from + int(rand, 64)), b.subarray(pos));
        break;
      }
      case 8: {
        // A reserved flag bit on a real header.
        if (base.headers.length === 0 || n > 0) break;
        const h = pick(rand, base.headers);
        if (h >= len) break;
        b = b.slice();
        b[h] = (b[h] as number) | (0x08 << int(rand, 5));
        break;
      }
      case 9: {
        // Damage the greeting where it is checked: signature, major, mechanism.
        b = b.slice();
        const field = pick(rand, [0, 9, 10, 12, 15, 20, 32]);
        if (field < len) b[field] = int(rand, 256);
        break;
      }
      default: {
        // A short, claimed-tiny command that carries a random payload (READY/ERROR bodies).
        b = concat(b.subarray(0, pos), new Uint8Array([0x04, 1 + int(rand, 40)]), randomBytes(rand, int(rand, 45)), b.subarray(pos));
      }
    }
  }
  return b;
}

/** A case: either pure noise, a valid stream, or a damaged one. */
function makeCase(rand: Rand, peerType: WireSocketType): Uint8Array {
  const r = rand();
  if (r < 0.08) return randomBytes(rand, int(rand, 300));
  // A valid greeting followed by noise exercises frame parsing rather than the greeting check.
  if (r < 0.16) return concat(encodeGreeting(), randomBytes(rand, int(rand, 300)));
  const base = validStream(rand, peerType);
  if (r < 0.22) return base.bytes;
  return mutate(rand, base, validStream(rand, pick(rand, Object.values(PEER_OF))).bytes);
}

/** Random chunking; empty chunks included. */
function chunks(rand: Rand, bytes: Uint8Array): Uint8Array[] {
  if (rand() < 0.3) return [bytes.slice()];
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = rand() < 0.3 ? int(rand, 4) : int(rand, 120);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

const warnings: string[] = [];
const silent: BusLogger = { warn: (m) => warnings.push(m), debug: () => {} };
beforeAll(() => setBusLogger(silent));
afterAll(() => setBusLogger({ warn: (m) => console.warn(`[bus] ${m}`), debug: () => {} }));

function fail(message: string): never {
  throw new Error(`fuzz seed ${SEED.toString(16)}: ${message}`);
}

test(`Decoder: ${DECODER_CASES} random and mutated streams`, () => {
  const cpu = process.cpuUsage();
  const rand = prng(SEED);
  let rejected = 0;
  let frames = 0;
  for (let c = 0; c < DECODER_CASES; c++) {
    // Half the cases cap frames small; the other half allow anything up to 2^53, so only the
    // "never allocate ahead of the bytes" rule keeps a 2^40-byte header from blowing up.
    const cap = c % 2 === 0 ? SMALL_CAP : Number.MAX_SAFE_INTEGER;
    const stream = makeCase(rand, pick(rand, Object.values(PEER_OF)));
    let fed = 0;
    let greetings = 0;
    const decoder = new Decoder(
      {
        greeting(bytes) {
          greetings++;
          if (bytes.length !== 64) fail(`case ${c}: greeting of ${bytes.length} bytes`);
          return true;
        },
        frame(_flags, body) {
          frames++;
          if (body.length > cap) fail(`case ${c}: frame of ${body.length} bytes passed a cap of ${cap}`);
          if (body.buffer.byteLength > fed) fail(`case ${c}: body backed by ${body.buffer.byteLength} bytes after only ${fed} were fed`);
          return true;
        },
      },
      cap,
    );
    for (const chunk of chunks(rand, stream)) {
      fed += chunk.length;
      let result: string | undefined;
      try {
        result = decoder.feed(chunk);
      } catch (error) {
        fail(`case ${c}: feed threw ${String(error)}`);
      }
      if (result !== undefined) {
        if (typeof result !== "string" || result.length === 0) fail(`case ${c}: reason ${String(result)}`);
        rejected++;
        break;
      }
    }
    // Nothing can be refused before the 64 greeting bytes are in, so a long enough stream has one.
    if (greetings !== (stream.length >= 64 ? 1 : 0)) fail(`case ${c}: ${greetings} greetings for ${stream.length} bytes`);
  }
  console.log(`fuzz: decoder ran ${DECODER_CASES} cases, ${rejected} rejected with a reason, ${frames} frames decoded (${cpuMs(cpu)} ms CPU)`);
  // The mix must actually exercise both outcomes, or the generator is broken.
  expect(rejected).toBeGreaterThan(DECODER_CASES / 10);
  expect(rejected).toBeLessThan(DECODER_CASES);
  expect(frames).toBeGreaterThan(DECODER_CASES);
});

/** The parts of a Bun socket a ZmtpConnection uses; writes sometimes go through only partly. */
class FakeSocket {
  written: Uint8Array[] = [];
  ended = false;
  partial: boolean;
  constructor(partial: boolean) {
    this.partial = partial;
  }
  write(data: Uint8Array, offset = 0, length = data.length - offset): number {
    const n = this.partial && length > 1 ? Math.ceil(length / 2) : length;
    this.written.push(data.slice(offset, offset + n));
    return n;
  }
  end(): void {
    this.ended = true;
  }
  terminate(): void {
    this.ended = true;
  }
  pause(): void {}
  resume(): void {}
}

type OwnerLog = { ready: number; messages: number; closed: string[]; badMessage: string | undefined };

function fakeOwner(type: WireSocketType, maxMessageSize: number, log: OwnerLog): PipeOwner {
  return {
    wireType: type,
    identity: type === "ROUTER" || type === "DEALER" ? new Uint8Array(0) : undefined,
    options: { sendHighWaterMark: 1000, maxMessageSize, handshakeTimeoutMs: 60_000 },
    pipeReady: () => void log.ready++,
    pipeMessage(_pipe: Pipe, frames: Uint8Array[]) {
      log.messages++;
      if (log.ready === 0) log.badMessage = "message before READY";
      const size = frames.reduce((n, f) => n + f.length, 0);
      if (size > maxMessageSize) log.badMessage = `message of ${size} bytes over ${maxMessageSize}`;
    },
    pipeSubscription: () => {},
    pipeWritable: () => {},
    pipeClosed: (_pipe, reason) => void log.closed.push(reason ?? ""),
  };
}

/** Checks that what the connection wrote is our greeting followed by well-formed frames. */
function checkWritten(c: number, written: Uint8Array[]): void {
  const bytes = concat(...written);
  if (bytes.length < 64) fail(`case ${c}: wrote only ${bytes.length} bytes`);
  if (typeof parseGreeting(bytes.subarray(0, 64)) === "string") fail(`case ${c}: wrote a bad greeting`);
  const d = new Decoder({ greeting: () => true, frame: () => true }, Number.MAX_SAFE_INTEGER);
  const reason = d.feed(bytes);
  if (reason !== undefined) fail(`case ${c}: wrote a malformed stream (${reason})`);
}

test(`ZmtpConnection: ${CONNECTION_CASES} random and mutated streams through a fake socket`, async () => {
  const cpu = process.cpuUsage();
  const rand = prng(SEED ^ 0xc0ffee);
  let dropped = 0;
  let readied = 0;
  let delivered = 0;
  const BATCH = 200;
  for (let start = 0; start < CONNECTION_CASES; start += BATCH) {
    const batch: { c: number; conn: ZmtpConnection; socket: FakeSocket; log: OwnerLog; label: string }[] = [];
    for (let c = start; c < Math.min(CONNECTION_CASES, start + BATCH); c++) {
      const type = pick(rand, LOCAL_TYPES);
      const maxMessageSize = c % 2 === 0 ? SMALL_CAP : Number.MAX_SAFE_INTEGER;
      const log: OwnerLog = { ready: 0, messages: 0, closed: [], badMessage: undefined };
      const socket = new FakeSocket(rand() < 0.1);
      const label = `fuzz#${c}`;
      let conn: ZmtpConnection;
      try {
        conn = new ZmtpConnection(socket as unknown as BunSocket, fakeOwner(type, maxMessageSize, log), label);
        const peer = rand() < 0.9 ? (PEER_OF[type] as WireSocketType) : pick(rand, LOCAL_TYPES);
        for (const chunk of chunks(rand, makeCase(rand, peer))) {
          conn.onData(chunk);
          if (socket.partial && rand() < 0.3) conn.onDrain();
        }
      } catch (error) {
        fail(`case ${c}: threw ${String(error)}`);
      }
      batch.push({ c, conn, socket, log, label });
    }
    // Let the connections' end-of-turn flushes run, then drain and close them all.
    await new Promise((resolve) => setImmediate(resolve));
    for (const { c, conn, socket, log, label } of batch) {
      try {
        for (let i = 0; i < 64 && socket.partial; i++) conn.onDrain();
        conn.onClose();
      } catch (error) {
        fail(`case ${c}: close threw ${String(error)}`);
      }
      if (log.badMessage !== undefined) fail(`case ${c}: ${log.badMessage}`);
      if (log.closed.length > 1) fail(`case ${c}: pipeClosed reported ${log.closed.length} times`);
      const reason = log.closed[0];
      if (log.ready > 0 && (reason === undefined || reason.length === 0)) fail(`case ${c}: closed without a reason`);
      const logged = warnings.some((w) => w.startsWith(`${label}: dropping peer: `));
      if (socket.ended !== logged) fail(`case ${c}: ended=${socket.ended} but reason logged=${logged}`);
      if (socket.ended && !reason?.length) fail(`case ${c}: dropped without a reason`);
      if (!socket.partial) checkWritten(c, socket.written);
      if (socket.ended) dropped++;
      if (log.ready > 0) readied++;
      delivered += log.messages;
    }
    warnings.length = 0;
  }
  console.log(
    `fuzz: connection ran ${CONNECTION_CASES} cases, ${readied} reached READY, ${dropped} dropped with a logged reason, ${delivered} messages delivered (${cpuMs(cpu)} ms CPU)`,
  );
  expect(dropped).toBeGreaterThan(CONNECTION_CASES / 10);
  expect(readied).toBeGreaterThan(CONNECTION_CASES / 10);
  expect(delivered).toBeGreaterThan(CONNECTION_CASES / 10);
});
