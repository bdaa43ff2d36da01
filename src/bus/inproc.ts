/**
 * `inproc://name`: the same pipes without bytes, for running every role inside one process.
 * Messages pass by reference (do not mutate a frame after sending it); delivery is asynchronous,
 * in order, and bounded by the sender's high-water mark just like a ZMTP connection.
 */
import { COMPATIBLE } from "./frame.ts";
import { busLog, type Pipe, type PipeOwner } from "./pipe.ts";

const EMPTY = new Uint8Array(0);

type Item = { frames: Uint8Array[] } | { topic: Uint8Array; on: boolean };

class InprocPipe implements Pipe {
  routingId: Uint8Array | undefined;
  peer!: InprocPipe;
  closed = false;
  /** Called after the owner heard of the close; the connecting side uses it to wait for a rebind. */
  closedHook: (() => void) | undefined;
  #owner: PipeOwner;
  #inbox: Item[] = [];
  #head = 0;
  #paused = false;
  #scheduled = false;

  constructor(owner: PipeOwner) {
    this.#owner = owner;
  }

  get peerType() {
    return this.peer.#owner.wireType;
  }

  get peerIdentity(): Uint8Array {
    return this.peer.#owner.identity ?? EMPTY;
  }

  full(): boolean {
    return this.peer.#pending() >= this.#owner.options.sendHighWaterMark;
  }

  send(frames: readonly Uint8Array[]): void {
    if (!this.closed) this.peer.#push({ frames: frames as Uint8Array[] });
  }

  subscribe(topic: Uint8Array, on: boolean): void {
    if (!this.closed) this.peer.#push({ topic, on });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.closed = true;
    queueMicrotask(() => {
      // What was sent before close still arrives, as with a flushed ZMTP connection.
      this.peer.#deliver(true);
      this.#owner.pipeClosed(this, "closed locally", false);
      this.peer.#owner.pipeClosed(this.peer, "peer closed", false);
      this.closedHook?.();
      this.peer.closedHook?.();
    });
  }

  /** Hands the pipe to its owner once both ends exist. */
  announce(): void {
    this.#owner.pipeReady(this);
  }

  #pending(): number {
    return this.#inbox.length - this.#head;
  }

  #push(item: Item): void {
    this.#inbox.push(item);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#paused) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#deliver(false);
    });
  }

  #deliver(force: boolean): void {
    const senderWasFull = this.peer.full();
    while (this.#head < this.#inbox.length && (force || !this.#paused)) {
      const item = this.#inbox[this.#head++] as Item;
      if ("frames" in item) this.#owner.pipeMessage(this, item.frames);
      else this.#owner.pipeSubscription(this, item.topic, item.on);
    }
    if (this.#head === this.#inbox.length) {
      this.#inbox = [];
      this.#head = 0;
    }
    if (senderWasFull && !this.peer.full() && !this.peer.closed) this.peer.#owner.pipeWritable(this.peer);
  }

  /** Links two owners; returns undefined (and logs) when their socket types cannot talk. */
  static link(a: PipeOwner, b: PipeOwner, label: string): [InprocPipe, InprocPipe] | undefined {
    if (!COMPATIBLE[a.wireType].includes(b.wireType)) {
      busLog().warn(`${label}: dropping peer: peer socket type ${b.wireType} cannot talk to ${a.wireType}`);
      return undefined;
    }
    const pa = new InprocPipe(a);
    const pb = new InprocPipe(b);
    pa.peer = pb;
    pb.peer = pa;
    return [pa, pb];
  }
}

type Binding = { owner: PipeOwner; pipes: Set<InprocPipe> };
const bindings = new Map<string, Binding>();
const waiting = new Map<string, Set<() => void>>();

/** Binds `inproc://name` for `owner`; connectors waiting for the name join at once. */
export function bindInproc(name: string, owner: PipeOwner): { endpoint: string; stop(): void } | string {
  if (bindings.has(name)) return `inproc://${name} is already bound`;
  const binding: Binding = { owner, pipes: new Set() };
  bindings.set(name, binding);
  for (const wake of waiting.get(name) ?? []) wake();
  return {
    endpoint: `inproc://${name}`,
    stop() {
      if (bindings.get(name) === binding) bindings.delete(name);
      for (const p of binding.pipes) p.close();
    },
  };
}

/** Connects to `inproc://name`, now or when it gets bound, and again after the binder restarts. */
export function connectInproc(name: string, owner: PipeOwner, label: string): { stop(): void } {
  let stopped = false;
  let current: InprocPipe | undefined;
  const attempt = (): void => {
    if (stopped || current !== undefined) return;
    const binding = bindings.get(name);
    if (binding === undefined) {
      const set = waiting.get(name) ?? new Set();
      set.add(attempt);
      waiting.set(name, set);
      return;
    }
    waiting.get(name)?.delete(attempt);
    const pair = InprocPipe.link(owner, binding.owner, label);
    if (pair === undefined) return;
    const [mine, theirs] = pair;
    current = mine;
    binding.pipes.add(theirs);
    // Watch our end: when the binder goes away, wait for the name to be bound again. A binder that
    // is still bound dropped us on purpose (ROUTER handover or a refused identity); relinking at
    // once would make it drop us again, forever, inside one microtask chain.
    mine.closedHook = () => {
      binding.pipes.delete(theirs);
      current = undefined;
      if (bindings.get(name) !== binding) attempt();
    };
    queueMicrotask(() => {
      mine.announce();
      theirs.announce();
    });
  };
  attempt();
  return {
    stop() {
      stopped = true;
      waiting.get(name)?.delete(attempt);
      current?.close();
    },
  };
}
