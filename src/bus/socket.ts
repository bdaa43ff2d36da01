/**
 * A ZeroMQ-style socket: PUSH, PULL, DEALER, ROUTER, PUB or SUB, over any mix of tcp, ipc and
 * inproc endpoints. Routing follows libzmq (reference/zmtp.md §8): round-robin PUSH/DEALER that
 * skips full peers, ROUTER identity envelopes, publisher-side prefix filtering, bounded queues.
 */
import { concatBytes } from "../core/bytes.ts";
import { escapeControls } from "../core/safe-text.ts";
import { BusError } from "./errors.ts";
import type { WireSocketType } from "./frame.ts";
import { bindInproc, connectInproc } from "./inproc.ts";
import { busLog, type Pipe, type PipeOwner, type PipeOptions } from "./pipe.ts";
import { TopicSet, topicKey } from "./subscriptions.ts";
import { type Listener, listen, parseEndpoint, Redialer } from "./transport.ts";

export type SocketType = "PUSH" | "PULL" | "DEALER" | "ROUTER" | "PUB" | "SUB";
/** A message is one or more frames, delivered whole or not at all. */
export type Message = Uint8Array[];
export type Sendable = Uint8Array | string | readonly (Uint8Array | string)[];

export type SocketOptions = {
  /** Messages queued per peer before a sender waits (PUSH/DEALER) or drops (PUB/ROUTER). */
  sendHighWaterMark?: number;
  /** Messages held for the application before the socket stops reading from its peers. */
  receiveHighWaterMark?: number;
  /** Routing id announced to a ROUTER peer (DEALER, ROUTER). */
  identity?: Uint8Array | string;
  /** A peer that sends a bigger message is disconnected. */
  maxMessageSize?: number;
  reconnectIntervalMs?: number;
  /** Above reconnectIntervalMs the wait doubles up to this; at or below it, interval + jitter. */
  reconnectIntervalMaxMs?: number;
  handshakeTimeoutMs?: number;
  /** ROUTER: a new peer with a known identity takes it over (AIPerf sets this). */
  routerHandover?: boolean;
  /** ROUTER: unknown identities throw and full peers make send() wait, instead of dropping. */
  routerMandatory?: boolean;
  /** Name used in log lines. */
  name?: string;
  /**
   * Cluster token: sent in READY as "X-Token", and a TCP peer that does not send the same one is
   * refused (ERROR) and dropped. Defaults to AIPERF_CLUSTER_TOKEN; IPC and inproc peers are local
   * and not asked for it.
   */
  token?: string;
};

const encoder = new TextEncoder();

function toFrames(msg: Sendable): Message {
  const list = Array.isArray(msg) ? msg : [msg];
  return list.map((f) => (typeof f === "string" ? encoder.encode(f) : (f as Uint8Array)));
}

export class BusSocket implements PipeOwner {
  readonly type: SocketType;
  readonly wireType: WireSocketType;
  readonly identity: Uint8Array | undefined;
  readonly options: PipeOptions;
  #opts: Required<Omit<SocketOptions, "identity" | "name">>;
  #label: string;
  #pipes: Pipe[] = [];
  #next = 0;
  #routes = new Map<string, Pipe>();
  #nextAutoId = (Math.random() * 0xffffffff) >>> 0;
  #peerTopics = new Map<Pipe, TopicSet>();
  #topics = new TopicSet();
  #inbox: Message[] = [];
  #inboxHead = 0;
  #readPaused = false;
  #resumeFrom = 0;
  #receivers: { resolve(m: Message): void; reject(e: Error): void }[] = [];
  #handler: ((msg: Message) => void) | undefined;
  #writers: { resolve(): void; reject(e: Error): void }[] = [];
  #peerWaiters: { count: number; resolve(): void }[] = [];
  #endpoints: { endpoint: string; stop(): void }[] = [];
  #closed = false;

  constructor(type: SocketType, options: SocketOptions = {}) {
    this.type = type;
    this.wireType = type;
    this.#label = options.name ?? type;
    const id = options.identity;
    this.identity = type === "DEALER" || type === "ROUTER" ? (typeof id === "string" ? encoder.encode(id) : (id ?? new Uint8Array(0))) : undefined;
    this.#opts = {
      sendHighWaterMark: options.sendHighWaterMark ?? 1000,
      receiveHighWaterMark: options.receiveHighWaterMark ?? 1000,
      maxMessageSize: options.maxMessageSize ?? 256 * 1024 * 1024,
      reconnectIntervalMs: options.reconnectIntervalMs ?? 100,
      reconnectIntervalMaxMs: options.reconnectIntervalMaxMs ?? 1000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 30_000,
      routerHandover: options.routerHandover ?? false,
      routerMandatory: options.routerMandatory ?? false,
      token: options.token ?? process.env.AIPERF_CLUSTER_TOKEN ?? "",
    };
    this.options = this.#opts;
  }

  /** Number of peers that completed the handshake. */
  get peerCount(): number {
    return this.#pipes.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Listens on an endpoint; returns it with a tcp port 0 resolved to the real port. */
  bind(endpoint: string): string {
    this.#assertOpen();
    const ep = parseEndpoint(endpoint);
    if (ep.kind === "inproc") {
      const bound = bindInproc(ep.name, this);
      if (typeof bound === "string") throw new BusError("BIND_FAILED", `Cannot bind "${endpoint}": ${bound}`);
      this.#endpoints.push(bound);
      return bound.endpoint;
    }
    const listener: Listener = listen(ep, endpoint, this, this.#label);
    this.#endpoints.push(listener);
    return listener.endpoint;
  }

  /** Connects (in the background, redialling after disconnects) to a bound endpoint. */
  connect(endpoint: string): void {
    this.#assertOpen();
    const ep = parseEndpoint(endpoint);
    if (ep.kind === "inproc") {
      this.#endpoints.push({ endpoint, ...connectInproc(ep.name, this, this.#label) });
      return;
    }
    this.#endpoints.push(new Redialer(ep, endpoint, this, this.#label, this.#opts));
  }

  /** Queues a message without waiting; false when every eligible peer is full or none is there. */
  trySend(msg: Sendable): boolean {
    this.#assertOpen();
    const frames = toFrames(msg);
    switch (this.type) {
      case "PUSH":
      case "DEALER": {
        const pipe = this.#pickPeer();
        if (pipe === undefined) return false;
        pipe.send(frames);
        return true;
      }
      case "ROUTER":
        return this.#route(frames);
      case "PUB":
        for (const pipe of this.#pipes) {
          // A full subscriber loses its copy; a publisher never waits (zmtp.md §8.3).
          if (!pipe.full() && this.#peerTopics.get(pipe)?.matches(frames[0])) pipe.send(frames);
        }
        return true;
      default:
        throw new BusError("BAD_USE", `Cannot send on a ${this.type} socket`);
    }
  }

  /** Sends a message, waiting while the peers are full (PUSH/DEALER, mandatory ROUTER) or absent. */
  async send(msg: Sendable): Promise<void> {
    const frames = toFrames(msg);
    while (!this.trySend(frames)) await this.writable();
  }

  /**
   * PUSH/DEALER: sends `frames` and then one last frame made of `tail`'s parts back to back. A ZMTP
   * connection copies the parts into its write buffer (a big message a buffer's worth at a time,
   * as the kernel takes them, see ZmtpConnection.sendGathered); an in-process peer, or the wait
   * while every peer is full, gets the parts joined into one buffer. The frames and parts pass
   * by reference until sent: the caller must not write into them again. Returns the wait's
   * promise when there was one.
   */
  sendGathered(frames: readonly Uint8Array[], tail: readonly Uint8Array[]): Promise<void> | undefined {
    this.#assertOpen();
    if (this.type !== "PUSH" && this.type !== "DEALER") throw new BusError("BAD_USE", `Cannot sendGathered on a ${this.type} socket`);
    const pipe = this.#pickPeer();
    if (pipe?.sendGathered !== undefined) {
      pipe.sendGathered(frames, tail);
      return undefined;
    }
    const joined = [...frames, concatBytes(tail)];
    if (pipe === undefined) return this.send(joined);
    pipe.send(joined);
    return undefined;
  }

  /** Resolves when a peer may have room again; rejects when the socket closes. */
  writable(): Promise<void> {
    this.#assertOpen();
    return new Promise((resolve, reject) => this.#writers.push({ resolve, reject }));
  }

  /** The next message (for a ROUTER, prefixed with the sender's routing id). */
  receive(): Promise<Message> {
    if (this.#inboxHead < this.#inbox.length) {
      const msg = this.#inbox[this.#inboxHead++] as Message;
      this.#afterTake();
      return Promise.resolve(msg);
    }
    if (this.#closed) return Promise.reject(new BusError("CLOSED", `Cannot receive: socket "${this.#label}" is closed`));
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }

  /** Delivers every message synchronously to `handler` (the fast path); undefined restores receive(). */
  onMessage(handler: ((msg: Message) => void) | undefined): void {
    this.#handler = handler;
    if (handler === undefined) return;
    while (this.#inboxHead < this.#inbox.length && this.#handler === handler) handler(this.#inbox[this.#inboxHead++] as Message);
    this.#afterTake();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Message> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof BusError && error.code === "CLOSED") return;
        throw error;
      }
    }
  }

  /** SUB: receive messages whose first frame starts with `topic` ("" = everything). */
  subscribe(topic: Uint8Array | string = ""): void {
    const t = typeof topic === "string" ? encoder.encode(topic) : topic;
    if (this.type !== "SUB") throw new BusError("BAD_USE", `Cannot subscribe on a ${this.type} socket`);
    this.#topics.add(t);
    // libzmq forwards every subscribe but only the last cancel (xsub.cpp).
    for (const pipe of this.#pipes) pipe.subscribe(t, true);
  }

  unsubscribe(topic: Uint8Array | string = ""): void {
    const t = typeof topic === "string" ? encoder.encode(topic) : topic;
    if (this.type !== "SUB") throw new BusError("BAD_USE", `Cannot unsubscribe on a ${this.type} socket`);
    if (this.#topics.remove(t)) for (const pipe of this.#pipes) pipe.subscribe(t, false);
  }

  /** Resolves once at least `count` peers have completed the handshake. */
  waitForPeers(count = 1, timeoutMs = 10_000): Promise<void> {
    if (this.#pipes.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { count, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.#peerWaiters = this.#peerWaiters.filter((w) => w !== waiter);
        reject(new BusError("TIMEOUT", `Socket "${this.#label}" has ${this.#pipes.length} of ${count} peers after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#peerWaiters.push(waiter);
    });
  }

  /** Stops listening and dialling, flushes what is queued to each peer, and closes. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const e of this.#endpoints) e.stop();
    for (const pipe of this.#pipes) pipe.close();
    const error = new BusError("CLOSED", `Socket "${this.#label}" is closed`);
    for (const r of this.#receivers.splice(0)) r.reject(error);
    for (const w of this.#writers.splice(0)) w.reject(error);
  }

  // ---- PipeOwner: what pipes report ----

  pipeReady(pipe: Pipe): void {
    if (this.#closed) return pipe.close();
    if (this.type === "ROUTER" && !this.#admitRoute(pipe)) return;
    this.#pipes.push(pipe);
    if (this.type === "PUB") this.#peerTopics.set(pipe, new TopicSet());
    if (this.type === "SUB") for (const t of this.#topics.topics()) pipe.subscribe(t, true);
    if (this.#readPaused) pipe.pause();
    this.#wakeWriters();
    this.#peerWaiters = this.#peerWaiters.filter((w) => (this.#pipes.length >= w.count ? (w.resolve(), false) : true));
  }

  pipeMessage(pipe: Pipe, frames: Message): void {
    switch (this.type) {
      case "PULL":
      case "DEALER":
        return this.#deliver(frames);
      case "ROUTER":
        frames.unshift(pipe.routingId as Uint8Array);
        return this.#deliver(frames);
      case "SUB":
        if (this.#topics.matches(frames[0])) this.#deliver(frames);
        return;
      case "PUB": {
        // Legacy subscriptions (ZMTP 3.0 peers, libzmq XSUB app path) arrive as 0x01|topic / 0x00|topic.
        const f = frames[0];
        if (frames.length === 1 && f !== undefined && f.length > 0 && (f[0] === 0 || f[0] === 1)) this.pipeSubscription(pipe, f.subarray(1), f[0] === 1);
        return;
      }
      default:
        return; // PUSH ignores anything its peers send.
    }
  }

  pipeSubscription(pipe: Pipe, topic: Uint8Array, on: boolean): void {
    const set = this.#peerTopics.get(pipe);
    if (set === undefined) return;
    if (on) set.add(topic);
    else set.delete(topic);
  }

  pipeWritable(_pipe: Pipe): void {
    this.#wakeWriters();
  }

  pipeClosed(pipe: Pipe, reason: string | undefined, _fatal: boolean): void {
    const at = this.#pipes.indexOf(pipe);
    if (at < 0) return;
    this.#pipes.splice(at, 1);
    this.#peerTopics.delete(pipe);
    if (pipe.routingId !== undefined && this.#routes.get(topicKey(pipe.routingId)) === pipe) this.#routes.delete(topicKey(pipe.routingId));
    if (!this.#closed) busLog().debug(`${this.#label}: peer gone: ${reason ?? "closed"}`);
  }

  // ---- internals ----

  #assertOpen(): void {
    if (this.#closed) throw new BusError("CLOSED", `Socket "${this.#label}" is closed`);
  }

  #pickPeer(): Pipe | undefined {
    const n = this.#pipes.length;
    for (let i = 0; i < n; i++) {
      const at = (this.#next + i) % n;
      const pipe = this.#pipes[at] as Pipe;
      if (!pipe.full()) {
        this.#next = (at + 1) % n;
        return pipe;
      }
    }
    return undefined;
  }

  #route(frames: Message): boolean {
    const id = frames[0];
    if (id === undefined) throw new BusError("BAD_USE", "Cannot send on a ROUTER socket: the first frame must be a routing id");
    const pipe = this.#routes.get(topicKey(id));
    if (pipe === undefined) {
      if (this.#opts.routerMandatory) throw new BusError("HOST_UNREACHABLE", `Cannot route to peer "${topicKey(id)}": no such peer`);
      return true; // Dropped, as libzmq does without ROUTER_MANDATORY.
    }
    if (pipe.full()) return !this.#opts.routerMandatory;
    pipe.send(frames.slice(1));
    return true;
  }

  /** Gives the pipe its routing id: the peer's Identity, or 00 + a 32-bit counter (router.cpp). */
  #admitRoute(pipe: Pipe): boolean {
    let id = pipe.peerIdentity;
    if (id.length === 0) {
      id = new Uint8Array(5);
      new DataView(id.buffer).setUint32(1, this.#nextAutoId);
      this.#nextAutoId = (this.#nextAutoId + 1) >>> 0;
    }
    const key = topicKey(id);
    const old = this.#routes.get(key);
    if (old !== undefined) {
      if (!this.#opts.routerHandover) {
        busLog().warn(`${this.#label}: dropping peer: identity "${escapeControls(key, false)}" is already connected`);
        pipe.close();
        return false;
      }
      this.#routes.delete(key);
      old.routingId = undefined;
      this.pipeClosed(old, "handed over to a new connection", false);
      old.close();
    }
    pipe.routingId = id;
    this.#routes.set(key, pipe);
    return true;
  }

  #deliver(msg: Message): void {
    if (this.#handler !== undefined) return this.#handler(msg);
    const receiver = this.#receivers.shift();
    if (receiver !== undefined) return receiver.resolve(msg);
    this.#inbox.push(msg);
    if (!this.#readPaused && this.#inbox.length - this.#inboxHead >= this.#opts.receiveHighWaterMark) {
      // The application is behind: stop reading so the senders feel it (PULL blocks, zmtp.md §8.5).
      this.#readPaused = true;
      for (const pipe of this.#pipes) pipe.pause();
    }
  }

  #afterTake(): void {
    const queued = this.#inbox.length - this.#inboxHead;
    if (queued === 0) {
      this.#inbox = [];
      this.#inboxHead = 0;
    } else if (this.#inboxHead > 4096 && this.#inboxHead * 2 > this.#inbox.length) {
      this.#inbox = this.#inbox.slice(this.#inboxHead);
      this.#inboxHead = 0;
    }
    if (this.#readPaused && queued <= this.#opts.receiveHighWaterMark / 2) {
      this.#readPaused = false;
      // Resume from a different peer each time: the first one resumed refills the inbox first, so
      // a fixed order would let one flooding peer starve the rest (fair queueing, zmtp.md §8.1).
      const n = this.#pipes.length;
      const start = n === 0 ? 0 : this.#resumeFrom++ % n;
      for (let i = 0; i < n; i++) (this.#pipes[(start + i) % n] as Pipe).resume();
    }
  }

  #wakeWriters(): void {
    if (this.#writers.length === 0) return;
    for (const w of this.#writers.splice(0)) w.resolve();
  }
}

/** Creates a socket of the given type. */
export function createSocket(type: SocketType, options?: SocketOptions): BusSocket {
  return new BusSocket(type, options);
}
