/**
 * Kept-alive connections of the raw transport, per origin (scheme, host, port), on Bun.connect
 * sockets (TLS through Bun's TLS sockets for https). A connection carries one request at a time;
 * its socket events go to whichever exchange holds it (raw-capture.ts). An idle connection that
 * the server closes, or that receives bytes nobody asked for, leaves the pool at once.
 */
import type { Socket, SocketHandler } from "bun";
import { monoNs } from "../../core/clock.ts";

/** What a connection reports to the request it carries. */
export interface ConnUser {
  /** One read; `at` is monoNs() taken first thing in the socket's data callback. */
  onData(bytes: Uint8Array, at: number): void;
  /** The connection is gone: closed by the peer, reset, or failed; `error` when the socket said why. */
  onClosed(error: Error | undefined): void;
}

export type Origin = { key: string; hostname: string; port: number; tls: boolean };

export class Conn {
  socket: Socket<Conn> | null = null;
  user: ConnUser | null = null;
  closed = false;
  /** Bytes not yet taken by the socket (a body larger than its send buffer). */
  pending: Uint8Array | null = null;
  /** Why the TLS handshake failed (a certificate not trusted): the close that follows says no more. */
  tlsError: Error | undefined;
  /** Set once the connection has carried a whole request and reply. */
  reused = false;
  readonly origin: Origin;
  constructor(origin: Origin) {
    this.origin = origin;
  }

  /** Writes all of `bytes`, the rest on drain; `bytes` is not kept (it may be reused once this returns). */
  write(bytes: Uint8Array): void {
    const socket = this.socket;
    if (socket === null || this.closed) return;
    if (this.pending !== null) {
      this.pending = concat(this.pending, bytes);
      return;
    }
    const wrote = socket.write(bytes);
    // Copied: the caller's buffer is reused for its next request (raw-capture.ts requestBytes).
    if (wrote < bytes.length) this.pending = bytes.slice(Math.max(0, wrote));
  }

  /** Closes without a reply to wait for (an abort, a reply cut short, or not reusable). */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.user = null;
    unpool(this);
    this.socket?.terminate();
  }
}

/** Idle connections by origin key, most recently used last. */
const idle = new Map<string, Conn[]>();

function unpool(conn: Conn): void {
  const list = idle.get(conn.origin.key);
  const at = list === undefined ? -1 : list.indexOf(conn);
  if (at >= 0) list?.splice(at, 1);
}

const handlers: SocketHandler<Conn> = {
  data(socket, bytes) {
    const at = monoNs();
    const conn = socket.data;
    if (conn.user === null) {
      // Bytes on an idle connection: nobody asked; the connection is out of step. Drop it.
      conn.destroy();
      return;
    }
    conn.user.onData(bytes, at);
  },
  handshake(socket, success, authorizationError) {
    if (!success || authorizationError !== null) socket.data.tlsError = authorizationError ?? new Error("The TLS handshake failed");
  },
  drain(socket) {
    const conn = socket.data;
    const rest = conn.pending;
    if (rest === null) return;
    conn.pending = null;
    conn.write(rest);
  },
  close(socket, error) {
    gone(socket.data, error);
  },
  end(socket) {
    gone(socket.data, undefined);
  },
  error(socket, error) {
    gone(socket.data, error);
  },
  connectError(socket, error) {
    gone(socket.data, error);
  },
};

function gone(conn: Conn, error: Error | undefined): void {
  const user = conn.user;
  if (!conn.closed) {
    conn.closed = true;
    unpool(conn);
    conn.socket?.terminate();
  }
  conn.user = null;
  user?.onClosed(error ?? conn.tlsError);
}

/** A kept-alive idle connection to `origin`, taken out of the pool, or null. */
export function takeIdle(origin: Origin): Conn | null {
  // The most recently returned one: the least likely to have been closed by the server as idle.
  return idle.get(origin.key)?.pop() ?? null;
}

/** Opens a new connection; rejects as Bun.connect does (e.g. code ECONNREFUSED). */
export async function open(origin: Origin): Promise<Conn> {
  const conn = new Conn(origin);
  const tls = origin.tls ? { serverName: origin.hostname, rejectUnauthorized: process.env.NODE_TLS_REJECT_UNAUTHORIZED !== "0" } : undefined;
  const socket = await Bun.connect<Conn>({ hostname: origin.hostname, port: origin.port, data: conn, socket: handlers, ...(tls === undefined ? {} : { tls }) });
  conn.socket = socket;
  socket.setNoDelay(true);
  return conn;
}

/** Puts a connection whose reply ended cleanly back for the next request. */
export function release(conn: Conn): void {
  conn.user = null;
  if (conn.closed) return;
  conn.reused = true;
  let list = idle.get(conn.origin.key);
  if (list === undefined) {
    list = [];
    idle.set(conn.origin.key, list);
  }
  list.push(conn);
}

/** Closes every idle connection (the worker is stopping). */
export function closeIdle(): void {
  for (const list of idle.values()) for (const conn of [...list]) conn.destroy();
  idle.clear();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
