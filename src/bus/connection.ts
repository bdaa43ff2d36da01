/**
 * One ZMTP 3.1 NULL-mechanism connection over a Bun socket: handshake, framing, and a write
 * buffer flushed once per event-loop turn (bun-runtime §6: one write per message is 10× slower).
 */
import type { Socket } from "bun";
import { concatBytes, totalLength } from "../core/bytes.ts";
import { Decoder } from "./decoder.ts";
import {
  COMPATIBLE,
  encodeCommand,
  encodeGreeting,
  encodeReady,
  FLAG_COMMAND,
  FLAG_MORE,
  headerSize,
  messageSize,
  parseCommand,
  parseGreeting,
  parseProperties,
  toSocketType,
  type WireSocketType,
  writeGathered,
  writeGatheredHead,
  writeMessage,
} from "./frame.ts";
import { busLog, type Pipe, type PipeOwner } from "./pipe.ts";

const State = { greeting: 0, handshake: 1, ready: 2, closed: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** Past this many buffered bytes a send flushes at once instead of waiting for the turn to end. */
const EAGER_FLUSH_BYTES = 1 << 20;
const GREETING = encodeGreeting();
const EMPTY = new Uint8Array(0);
const SUBSCRIBE_PREFIX = new Uint8Array([1]);
const CANCEL_PREFIX = new Uint8Array([0]);

export type BunSocket = Socket<ZmtpConnection | undefined>;

export class ZmtpConnection implements Pipe {
  peerType: WireSocketType = "PAIR";
  peerIdentity: Uint8Array = EMPTY;
  routingId: Uint8Array | undefined;
  /** Peer's ZMTP minor version: 0 means subscriptions go out in the legacy message form. */
  peerMinor = 1;
  readonly label: string;

  #state: State = State.greeting;
  #socket: BunSocket;
  #owner: PipeOwner;
  #decoder: Decoder;
  #frames: Uint8Array[] = [];
  #messageBytes = 0;
  #out = new Uint8Array(64 * 1024);
  #outLen = 0;
  #queued = 0;
  #backlog: Uint8Array | undefined;
  /** The write buffer the backlog lies in, while it does. */
  #held: Uint8Array<ArrayBuffer> | undefined;
  /** A write buffer free for the next backlog (see #flush). */
  #spare: Uint8Array<ArrayBuffer> | undefined;
  /** A big gathered message's parts not yet staged, after the backlog (see sendGathered). */
  #rest: { parts: readonly Uint8Array[]; index: number; offset: number } | undefined;
  #flushScheduled = false;
  #closeReason: string | undefined;
  #fatal = false;
  #handshakeTimer: Timer | undefined;
  #paused = false;
  #closing = false;
  #lingerTimer: Timer | undefined;
  /** Set by the connecting side to learn when to redial (fatal: do not) and whether it got ready. */
  closedHook: ((fatal: boolean, wasReady: boolean) => void) | undefined;

  /** Over TCP (another host may be on the other end): the cluster token is checked. */
  readonly #tcp: boolean;

  constructor(socket: BunSocket, owner: PipeOwner, label: string, tcp = false) {
    this.#tcp = tcp;
    this.#socket = socket;
    this.#owner = owner;
    this.label = label;
    this.#decoder = new Decoder({ greeting: (g) => this.#onGreeting(g), frame: (f, b) => this.#onFrame(f, b) }, owner.options.maxMessageSize);
    this.#handshakeTimer = setTimeout(() => this.#fail("handshake timed out"), owner.options.handshakeTimeoutMs);
    // The whole greeting goes out at once; waiting for the peer's deadlocks libzmq (trap §11.1).
    this.#write(GREETING);
  }

  get ready(): boolean {
    return this.#state === State.ready;
  }

  full(): boolean {
    return this.#queued >= this.#owner.options.sendHighWaterMark;
  }

  send(frames: readonly Uint8Array[]): void {
    if (this.#state !== State.ready || this.#closing) return;
    this.#append(frames);
  }

  /**
   * A message that fits the write buffer is copied in whole. A bigger one, when nothing waits for
   * the kernel, goes out now: its head, then its tail's parts staged through the write buffer a
   * buffer's worth at a time, so the buffer never grows for it (fresh memory is faulted in page by
   * page, ~12 µs a page on the 2-core VM this was measured on: a worker's first batch of ~830 KB
   * of replies grew a 1 MiB buffer for it). Parts the kernel has not taken yet wait where they are
   * (see #rest), not copied.
   */
  sendGathered(frames: readonly Uint8Array[], tail: readonly Uint8Array[]): void {
    if (this.#state !== State.ready || this.#closing) return;
    const tailLength = totalLength(tail);
    const head = messageSize(frames) + headerSize(tailLength);
    this.#queued++;
    if (this.#outLen + head + tailLength <= this.#out.length || this.#backlog !== undefined) {
      this.#reserve(head + tailLength);
      this.#outLen = writeGathered(this.#out, this.#outLen, frames, tail);
      this.#scheduleFlush();
      return;
    }
    this.#reserve(head);
    this.#outLen = writeGatheredHead(this.#out, this.#outLen, frames, tailLength);
    this.#rest = { parts: tail, index: 0, offset: 0 };
    this.#flush();
  }

  subscribe(topic: Uint8Array, on: boolean): void {
    if (this.#state !== State.ready) return;
    // ZMTP 3.0 peers (libzmq ≤ 4.3.2) only understand the legacy message form (trap §11.6).
    if (this.peerMinor >= 1) this.#writeRaw(encodeCommand(on ? "SUBSCRIBE" : "CANCEL", topic));
    else this.#append([concatBytes([on ? SUBSCRIBE_PREFIX : CANCEL_PREFIX, topic])]);
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#socket.resume();
  }

  close(lingerMs = 1000): void {
    if (this.#state === State.closed || this.#closing) return;
    this.#closing = true;
    this.#closeReason ??= "closed locally";
    this.#flush();
    if (this.#backlog === undefined) {
      this.#socket.end();
      return;
    }
    // Let the kernel take the rest, but never wait on a stuck peer for longer than the linger.
    this.#lingerTimer = setTimeout(() => this.#socket.terminate(), lingerMs);
  }

  /** Bun `data` callback. */
  onData(chunk: Uint8Array): void {
    if (this.#state === State.closed) return;
    const error = this.#decoder.feed(chunk);
    if (error !== undefined) this.#fail(`protocol error: ${error}`);
  }

  /** Bun `drain` callback: the kernel took what it refused before. */
  onDrain(): void {
    const backlog = this.#backlog;
    if (backlog === undefined) return;
    const n = this.#socket.write(backlog);
    if (n < 0) return;
    if (n < backlog.length) {
      this.#backlog = backlog.subarray(n);
      return;
    }
    this.#backlog = undefined;
    if (!this.#pump(this.#held as Uint8Array)) return;
    this.#keepSpare(this.#held);
    this.#held = undefined;
    this.#queued = 0;
    if (this.#outLen > 0) this.#flush();
    if (this.#backlog !== undefined) return;
    if (this.#closing) this.#socket.end();
    else this.#owner.pipeWritable(this);
  }

  /** Bun `close` callback. */
  onClose(error?: Error): void {
    if (this.#state === State.closed) return;
    const wasReady = this.#state === State.ready;
    this.#state = State.closed;
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#lingerTimer);
    const reason = this.#closeReason ?? (error ? `connection error: ${error.message}` : "peer disconnected");
    this.#owner.pipeClosed(this, reason, this.#fatal);
    this.closedHook?.(this.#fatal, wasReady);
  }

  #onGreeting(bytes: Uint8Array): boolean {
    const g = parseGreeting(bytes);
    if (typeof g === "string") {
      this.#fatal = true;
      this.#fail(g);
      return false;
    }
    this.peerMinor = g.minor;
    this.#state = State.handshake;
    const token = this.#owner.options.token ?? "";
    this.#writeRaw(encodeReady(this.#owner.wireType, this.#owner.identity, token === "" ? undefined : new TextEncoder().encode(token)));
    return true;
  }

  #onFrame(flags: number, body: Uint8Array): boolean {
    if (flags & FLAG_COMMAND) return this.#onCommand(body);
    if (this.#state !== State.ready) {
      this.#fatal = true;
      this.#fail("message frame before READY");
      return false;
    }
    this.#messageBytes += body.length;
    if (this.#messageBytes > this.#owner.options.maxMessageSize) {
      this.#fail(`message exceeds the limit of ${this.#owner.options.maxMessageSize} bytes`);
      return false;
    }
    this.#frames.push(body);
    if (flags & FLAG_MORE) return true;
    const frames = this.#frames;
    this.#frames = [];
    this.#messageBytes = 0;
    this.#owner.pipeMessage(this, frames);
    return !this.#isClosed();
  }

  #onCommand(body: Uint8Array): boolean {
    const cmd = parseCommand(body);
    if (cmd === undefined) {
      this.#fail("malformed command");
      return false;
    }
    if (this.#state === State.handshake) return this.#onHandshakeCommand(cmd.name, cmd.data);
    switch (cmd.name) {
      case "PING": {
        // Echo the context (after the 2-byte TTL), at most 16 bytes, as libzmq does.
        this.#writeRaw(encodeCommand("PONG", cmd.data.subarray(2, 18)));
        return true;
      }
      case "SUBSCRIBE":
      case "CANCEL":
        this.#owner.pipeSubscription(this, cmd.data.slice(), cmd.name === "SUBSCRIBE");
        return !this.#isClosed();
      case "ERROR":
        this.#fatal = true;
        this.#fail(`peer sent ERROR: ${new TextDecoder().decode(cmd.data.subarray(1))}`);
        return false;
      default:
        return true; // Unknown commands are dropped, as libzmq does.
    }
  }

  #onHandshakeCommand(name: string, data: Uint8Array): boolean {
    if (name === "ERROR") {
      this.#fatal = true;
      this.#fail(`peer refused the handshake: ${new TextDecoder().decode(data.subarray(1))}`);
      return false;
    }
    const props = name === "READY" ? parseProperties(data) : undefined;
    const peerType = toSocketType(props?.get("socket-type"));
    if (props === undefined || peerType === undefined) {
      this.#fatal = true;
      this.#fail(name === "READY" ? "malformed READY" : `unexpected ${name} during handshake`);
      return false;
    }
    if (!COMPATIBLE[this.#owner.wireType].includes(peerType)) {
      this.#fatal = true;
      this.#writeRaw(encodeCommand("ERROR", errorReason("Invalid socket type")));
      this.#fail(`peer socket type ${peerType} cannot talk to ${this.#owner.wireType}`);
      return false;
    }
    const token = this.#owner.options.token ?? "";
    if (this.#tcp && token !== "" && !sameToken(props.get("x-token"), token)) {
      this.#fatal = true;
      this.#writeRaw(encodeCommand("ERROR", errorReason("Invalid token")));
      this.#fail(`refused ${this.#socket.remoteAddress ?? "a peer"}: wrong or missing cluster token (AIPERF_CLUSTER_TOKEN)`);
      return false;
    }
    this.peerType = peerType;
    this.peerIdentity = props.get("identity")?.slice() ?? EMPTY;
    this.#state = State.ready;
    clearTimeout(this.#handshakeTimer);
    this.#owner.pipeReady(this);
    return !this.#isClosed();
  }

  /** Re-reads the state after a callback that may have closed us (defeats TS narrowing). */
  #isClosed(): boolean {
    return this.#state === State.closed || this.#closeReason !== undefined;
  }

  #fail(reason: string): void {
    if (this.#state === State.closed || this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    busLog().warn(`${this.label}: dropping peer: ${reason}`);
    this.#flush();
    this.#socket.end();
  }

  #append(frames: readonly Uint8Array[]): void {
    const size = messageSize(frames);
    this.#reserve(size);
    this.#outLen = writeMessage(this.#out, this.#outLen, frames);
    this.#queued++;
    this.#scheduleFlush();
  }

  #writeRaw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#out.set(bytes, this.#outLen);
    this.#outLen += bytes.length;
    this.#scheduleFlush();
  }

  #write(bytes: Uint8Array): void {
    this.#writeRaw(bytes);
    this.#flush();
  }

  /**
   * Room for `size` more bytes in the write buffer: the spare if it is big enough, else a new one.
   * Either way the smaller buffer left over is the spare. Fresh memory is faulted in page by page
   * (~12 µs a page on the 2-core VM this was measured on): a worker's batch at a wave's end grew a
   * fresh ~1 MiB buffer at every wave while the one grown at the last sat spare.
   */
  #reserve(size: number): void {
    const need = this.#outLen + size;
    if (need <= this.#out.length) return;
    const spare = this.#spare;
    let next: Uint8Array<ArrayBuffer>;
    if (spare !== undefined && spare.length >= need) {
      next = spare;
      this.#spare = undefined;
    } else {
      let cap = this.#out.length * 2;
      while (cap < need) cap *= 2;
      next = new Uint8Array(cap);
    }
    next.set(this.#out.subarray(0, this.#outLen));
    this.#keepSpare(this.#out);
    this.#out = next;
  }

  /** Keeps `buffer` as the spare write buffer if it is larger than the one kept, and not huge. */
  #keepSpare(buffer: Uint8Array<ArrayBuffer> | undefined): void {
    if (buffer === undefined || buffer.length > 4 * EAGER_FLUSH_BYTES) return;
    if (this.#spare === undefined || this.#spare.length < buffer.length) this.#spare = buffer;
  }

  #scheduleFlush(): void {
    if (this.#outLen >= EAGER_FLUSH_BYTES) {
      this.#flush();
      return;
    }
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#outLen === 0 || this.#backlog !== undefined) return;
    const len = this.#outLen;
    const wasFull = this.full();
    const n = this.#socket.write(this.#out, 0, len);
    this.#outLen = 0;
    if (n >= len && this.#pump(this.#out)) {
      this.#queued = 0;
      if (wasFull && this.#state === State.ready && !this.#closing) this.#owner.pipeWritable(this);
      return;
    }
    // The kernel took part of it (or of a big message's parts, see #pump): the rest waits where it
    // is until drain, and new messages go to the spare buffer. (A copy of the rest was fresh
    // memory, faulted in page by page, at every message bigger than the socket's buffer: a
    // worker's batch at the end of a wave of replies.)
    if (this.#backlog === undefined) this.#backlog = this.#out.subarray(Math.max(n, 0), len);
    this.#held = this.#out;
    this.#out = this.#spare ?? new Uint8Array(64 * 1024);
    this.#spare = undefined;
  }

  /**
   * Writes what is left of a big gathered message's parts, copied into `staging` (a write buffer
   * the kernel has taken all of) a buffer's worth at a time. False when the kernel refused some:
   * the refused bytes are the backlog, and the parts not yet copied stay in #rest.
   */
  #pump(staging: Uint8Array): boolean {
    const rest = this.#rest;
    if (rest === undefined) return true;
    for (;;) {
      let at = 0;
      while (at < staging.length && rest.index < rest.parts.length) {
        const part = rest.parts[rest.index] as Uint8Array;
        const take = Math.min(part.length - rest.offset, staging.length - at);
        staging.set(rest.offset === 0 && take === part.length ? part : part.subarray(rest.offset, rest.offset + take), at);
        at += take;
        rest.offset += take;
        if (rest.offset === part.length) {
          rest.index++;
          rest.offset = 0;
        }
      }
      if (rest.index === rest.parts.length) this.#rest = undefined;
      const n = at === 0 ? 0 : this.#socket.write(staging, 0, at);
      if (n < at) {
        this.#backlog = staging.subarray(Math.max(n, 0), at);
        return false;
      }
      if (this.#rest === undefined) return true;
    }
  }
}

function errorReason(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return concatBytes([new Uint8Array([bytes.length]), bytes]);
}

/** Compares the whole length whatever differs, so timing does not reveal how much of a guess was right. */
function sameToken(got: Uint8Array | undefined, want: string): boolean {
  const expected = new TextEncoder().encode(want);
  if (got === undefined || got.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff |= (got[i] as number) ^ (expected[i] as number);
  return diff === 0;
}
