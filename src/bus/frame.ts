/**
 * ZMTP 3.1 byte encoding: greeting, frames, commands and READY metadata.
 * Pure functions; reference/zmtp.md §3–§6 holds the captured libzmq bytes they are tested against.
 */
import { totalLength } from "../core/bytes.ts";

export const GREETING_SIZE = 64;
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

/** Socket types spoken on the wire (uppercase, as libzmq compares them). */
const SOCKET_TYPES = ["PUSH", "PULL", "DEALER", "ROUTER", "PUB", "SUB", "XPUB", "XSUB", "REQ", "REP", "PAIR"] as const;
export type WireSocketType = (typeof SOCKET_TYPES)[number];

/** Which peer types each local type accepts (37/ZMTP, libzmq check_socket_type). */
export const COMPATIBLE: Record<WireSocketType, readonly WireSocketType[]> = {
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUB: ["SUB", "XSUB"],
  XPUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XSUB: ["PUB", "XPUB"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  PAIR: ["PAIR"],
};

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** Our full 64-byte greeting: sent at once on connect, never after reading the peer's (trap §11.1). */
export function encodeGreeting(): Uint8Array {
  const g = new Uint8Array(GREETING_SIZE);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.set(encoder.encode("NULL"), 12);
  return g;
}

type Greeting = { major: number; minor: number; mechanism: string; asServer: boolean };

/** Validates a peer greeting; returns the reason as a string when it is not one we can talk to. */
export function parseGreeting(g: Uint8Array): Greeting | string {
  if (g.length < GREETING_SIZE) return "greeting too short";
  if (g[0] !== 0xff || ((g[9] ?? 0) & 1) !== 1) return "not a ZMTP 3 peer (bad signature)";
  const major = g[10] ?? 0;
  if (major < 3) return `unsupported ZMTP version ${major}`;
  // Padding (bytes 1–8) is never interpreted: libzmq puts the identity length there (§3).
  let end = 12;
  while (end < 32 && g[end] !== 0) end++;
  const mechanism = latin1.decode(g.subarray(12, end));
  if (mechanism !== "NULL") return `unsupported security mechanism "${mechanism}"`;
  // The field must be "NULL" plus 16 zero bytes exactly, as libzmq compares all 20 bytes (§3).
  if (g.subarray(end, 32).some((b) => b !== 0)) return "malformed security mechanism field";
  return { major, minor: major > 3 ? 1 : (g[11] ?? 0), mechanism, asServer: g[32] === 1 };
}

/** Size of a frame header for a body of `size` bytes. */
export function headerSize(size: number): number {
  return size > 255 ? 9 : 2;
}

/** Writes one frame header at `at`; returns the offset after it. */
export function writeHeader(out: Uint8Array, at: number, flags: number, size: number): number {
  if (size > 255) {
    out[at] = flags | FLAG_LONG;
    // 8-byte big-endian length; sizes above 2^32 never occur (bounded by maxMessageSize).
    out[at + 1] = 0;
    out[at + 2] = 0;
    out[at + 3] = 0;
    out[at + 4] = Math.floor(size / 0x100000000) & 0xff;
    out[at + 5] = (size >>> 24) & 0xff;
    out[at + 6] = (size >>> 16) & 0xff;
    out[at + 7] = (size >>> 8) & 0xff;
    out[at + 8] = size & 0xff;
    return at + 9;
  }
  out[at] = flags;
  out[at + 1] = size;
  return at + 2;
}

/** Bytes needed on the wire for a message of these frames. */
export function messageSize(frames: readonly Uint8Array[]): number {
  let n = 0;
  for (const f of frames) n += headerSize(f.length) + f.length;
  return n;
}

/** Encodes a multi-frame message into `out` at `at` (MORE on all but the last); returns the end. */
export function writeMessage(out: Uint8Array, at: number, frames: readonly Uint8Array[]): number {
  const last = frames.length - 1;
  for (let i = 0; i <= last; i++) {
    const f = frames[i] as Uint8Array;
    at = writeHeader(out, at, i < last ? FLAG_MORE : 0, f.length);
    out.set(f, at);
    at += f.length;
  }
  return at;
}

/**
 * Encodes `frames` and then one last frame whose body is `tail`'s parts back to back (what
 * writeMessage would write with the parts joined first), into `out` at `at`; returns the end.
 */
export function writeGathered(out: Uint8Array, at: number, frames: readonly Uint8Array[], tail: readonly Uint8Array[]): number {
  at = writeGatheredHead(out, at, frames, totalLength(tail));
  for (const p of tail) {
    out.set(p, at);
    at += p.length;
  }
  return at;
}

/** What writeGathered writes before the tail's bytes: `frames`, then the last frame's header for `tailLength` bytes. */
export function writeGatheredHead(out: Uint8Array, at: number, frames: readonly Uint8Array[], tailLength: number): number {
  for (const f of frames) {
    at = writeHeader(out, at, FLAG_MORE, f.length);
    out.set(f, at);
    at += f.length;
  }
  return writeHeader(out, at, 0, tailLength);
}

/** Encodes a message to a fresh buffer. */
export function encodeMessage(frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messageSize(frames));
  writeMessage(out, 0, frames);
  return out;
}

/** Encodes a command frame: length-prefixed name, then data (never a null separator, §4). */
export function encodeCommand(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const nameBytes = encoder.encode(name);
  const size = 1 + nameBytes.length + data.length;
  const out = new Uint8Array(headerSize(size) + size);
  let at = writeHeader(out, 0, FLAG_COMMAND, size);
  out[at++] = nameBytes.length;
  out.set(nameBytes, at);
  out.set(data, at + nameBytes.length);
  return out;
}

/** READY metadata; names are emitted in libzmq's exact capitalisation (trap §11.4). */
export function encodeReady(socketType: WireSocketType, identity?: Uint8Array, token?: Uint8Array): Uint8Array {
  const props: [string, Uint8Array][] = [["Socket-Type", encoder.encode(socketType)]];
  if (identity !== undefined) props.push(["Identity", identity]);
  // Our cluster token (socket.ts `token`); libzmq ignores properties it does not know.
  if (token !== undefined) props.push(["X-Token", token]);
  let size = 0;
  for (const [k, v] of props) size += 1 + k.length + 4 + v.length;
  const data = new Uint8Array(size);
  const view = new DataView(data.buffer);
  let at = 0;
  for (const [k, v] of props) {
    data[at++] = k.length;
    data.set(encoder.encode(k), at);
    at += k.length;
    view.setUint32(at, v.length);
    at += 4;
    data.set(v, at);
    at += v.length;
  }
  return encodeCommand("READY", data);
}

type Command = { name: string; data: Uint8Array };

/** Splits a command body into name and data; undefined if malformed. */
export function parseCommand(body: Uint8Array): Command | undefined {
  const n = body[0];
  if (n === undefined || n === 0 || 1 + n > body.length) return undefined;
  return { name: latin1.decode(body.subarray(1, 1 + n)), data: body.subarray(1 + n) };
}

/** Parses READY properties (names case-insensitive, keys lower-cased); undefined if malformed. */
export function parseProperties(data: Uint8Array): Map<string, Uint8Array> | undefined {
  const props = new Map<string, Uint8Array>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < data.length) {
    const n = data[at] as number;
    if (n === 0 || at + 1 + n + 4 > data.length) return undefined;
    const name = latin1.decode(data.subarray(at + 1, at + 1 + n)).toLowerCase();
    at += 1 + n;
    const len = view.getUint32(at);
    at += 4;
    if (len > data.length - at) return undefined;
    props.set(name, data.subarray(at, at + len));
    at += len;
  }
  return props;
}

/** PING with the 2-byte TTL libzmq always reads (trap §11.8). */
export function encodePing(ttlDeciseconds: number, context: Uint8Array): Uint8Array {
  const data = new Uint8Array(2 + context.length);
  data[0] = (ttlDeciseconds >> 8) & 0xff;
  data[1] = ttlDeciseconds & 0xff;
  data.set(context, 2);
  return encodeCommand("PING", data);
}

/** Reads a socket type name out of metadata; undefined when unknown. */
export function toSocketType(bytes: Uint8Array | undefined): WireSocketType | undefined {
  if (bytes === undefined) return undefined;
  const name = latin1.decode(bytes).toUpperCase();
  return (SOCKET_TYPES as readonly string[]).includes(name) ? (name as WireSocketType) : undefined;
}
