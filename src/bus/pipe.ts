/**
 * A pipe is one peer of a socket: a ZMTP connection or an in-process link. Sockets route over
 * pipes and never see bytes; pipes never decide routing.
 */
import type { WireSocketType } from "./frame.ts";

/** One peer as the owning socket sees it. */
export interface Pipe {
  /** The peer's socket type, checked against ours during the handshake. */
  readonly peerType: WireSocketType;
  /** The `Identity` the peer announced (empty when none). */
  readonly peerIdentity: Uint8Array;
  /** Routing id a ROUTER assigned to this pipe. */
  routingId: Uint8Array | undefined;
  /** True while the outgoing queue holds `sendHighWaterMark` messages or more. */
  full(): boolean;
  /** Queues a message; the caller has checked `full()` where blocking matters. */
  send(frames: readonly Uint8Array[]): void;
  /**
   * Queues `frames` and then one last frame made of `tail`'s parts, joined as they are encoded
   * (a ZMTP connection); absent where a message passes by reference (in process).
   */
  sendGathered?(frames: readonly Uint8Array[], tail: readonly Uint8Array[]): void;
  /** Tells a publisher about a subscription change (SUB side). */
  subscribe(topic: Uint8Array, on: boolean): void;
  /** Stops delivering incoming messages (receive-side backpressure). */
  pause(): void;
  resume(): void;
  /** Flushes what is queued, then closes. */
  close(): void;
}

/** What a pipe reports to the socket that owns it. */
export interface PipeOwner {
  readonly wireType: WireSocketType;
  /** Our `Identity` property, sent only by DEALER and ROUTER (as libzmq does). */
  readonly identity: Uint8Array | undefined;
  readonly options: PipeOptions;
  pipeReady(pipe: Pipe): void;
  pipeMessage(pipe: Pipe, frames: Uint8Array[]): void;
  pipeSubscription(pipe: Pipe, topic: Uint8Array, on: boolean): void;
  pipeWritable(pipe: Pipe): void;
  /** `fatal` marks a protocol rejection, after which a connecting side stops retrying (as libzmq). */
  pipeClosed(pipe: Pipe, reason: string | undefined, fatal: boolean): void;
}

export type PipeOptions = {
  sendHighWaterMark: number;
  maxMessageSize: number;
  handshakeTimeoutMs: number;
  /** Cluster token: sent in READY, and required from every TCP peer ("" = none). */
  token?: string;
};

/** The bus's logger; the process model points it at consola, tests may silence it. */
export type BusLogger = { warn(message: string): void; debug(message: string): void };

let logger: BusLogger = { warn: (m) => console.warn(`[bus] ${m}`), debug: () => {} };

/** Replaces where the bus writes its warnings (dropped peers, rejected handshakes). */
export function setBusLogger(next: BusLogger): void {
  logger = next;
}

export function busLog(): BusLogger {
  return logger;
}
