/**
 * Endpoints (`tcp://`, `ipc://`, `ipc://@abstract`) over Bun.listen / Bun.connect, and the
 * connecting side's redial loop. `inproc://` lives in inproc.ts.
 */
import { lstatSync, unlinkSync } from "node:fs";
import type { SocketHandler, TCPSocketListener, UnixSocketListener } from "bun";
import { type BunSocket, ZmtpConnection } from "./connection.ts";
import { BusError } from "./errors.ts";
import type { PipeOwner } from "./pipe.ts";

type Endpoint = { kind: "tcp"; hostname: string; port: number } | { kind: "ipc"; path: string } | { kind: "inproc"; name: string };

/** Parses a ZeroMQ endpoint string; throws BusError with the offending text. */
export function parseEndpoint(endpoint: string): Endpoint {
  const m = /^([a-z]+):\/\/(.+)$/.exec(endpoint);
  if (m === null) throw new BusError("BAD_ENDPOINT", `Invalid endpoint "${endpoint}": expected tcp://host:port, ipc://path or inproc://name`);
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === "inproc") return { kind: "inproc", name: rest };
  if (scheme === "ipc") {
    // ipc://@name is a Linux abstract socket: a leading NUL in sun_path.
    const path = rest.startsWith("@") ? `\0${rest.slice(1)}` : rest;
    if (Buffer.byteLength(path) > 107) throw new BusError("BAD_ENDPOINT", `Invalid endpoint "${endpoint}": ipc paths are limited to 107 bytes`);
    return { kind: "ipc", path };
  }
  if (scheme === "tcp") {
    const at = rest.lastIndexOf(":");
    const host = rest.slice(0, at).replace(/^\[(.*)\]$/, "$1");
    const portText = rest.slice(at + 1);
    const port = portText === "*" ? 0 : Number(portText);
    if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new BusError("BAD_ENDPOINT", `Invalid endpoint "${endpoint}": expected tcp://host:port`);
    }
    return { kind: "tcp", hostname: host === "*" ? "0.0.0.0" : host, port };
  }
  throw new BusError("BAD_ENDPOINT", `Invalid endpoint "${endpoint}": unsupported transport "${scheme}"`);
}

/** The Bun callbacks shared by every ZMTP socket: the connection object rides in `socket.data`. */
function handlers(owner: PipeOwner, label: string, tcp: boolean, onOpen?: (c: ZmtpConnection) => void): SocketHandler<ZmtpConnection | undefined> {
  return {
    binaryType: "uint8array",
    open(s: BunSocket) {
      const conn = new ZmtpConnection(s, owner, label, tcp);
      s.data = conn;
      onOpen?.(conn);
    },
    data: (s: BunSocket, chunk: Uint8Array) => s.data?.onData(chunk),
    drain: (s: BunSocket) => s.data?.onDrain(),
    close: (s: BunSocket, error?: Error) => s.data?.onClose(error),
    error: (s: BunSocket, error: Error) => s.data?.onClose(error),
  };
}

export type Listener = { endpoint: string; stop(): void };

/** Binds a listening socket; returns the endpoint actually bound (tcp port 0 resolved). */
export function listen(endpoint: Endpoint, text: string, owner: PipeOwner, label: string): Listener {
  const socket = handlers(owner, label, endpoint.kind === "tcp");
  let server: TCPSocketListener<ZmtpConnection | undefined> | UnixSocketListener<ZmtpConnection | undefined>;
  try {
    if (endpoint.kind === "tcp") {
      server = Bun.listen({ hostname: endpoint.hostname, port: endpoint.port, socket, data: undefined });
      const host = endpoint.hostname.includes(":") ? `[${endpoint.hostname}]` : endpoint.hostname;
      return { endpoint: `tcp://${host}:${server.port}`, stop: () => server.stop(true) };
    }
    if (endpoint.kind !== "ipc") throw new TypeError("listen() takes tcp or ipc endpoints");
    removeStaleSocket(endpoint.path);
    server = Bun.listen({ unix: endpoint.path, socket, data: undefined });
    return { endpoint: text, stop: () => server.stop(true) };
  } catch (error) {
    if (error instanceof BusError || error instanceof TypeError) throw error;
    throw new BusError("BIND_FAILED", `Cannot bind "${text}": ${(error as Error).message}`, error);
  }
}

/** libzmq unlinks a stale socket file before binding; Bun would fail with EADDRINUSE (trap §11.12). */
function removeStaleSocket(path: string): void {
  if (path.startsWith("\0")) return;
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there: the normal case.
  }
}

type RedialOptions = { reconnectIntervalMs: number; reconnectIntervalMaxMs: number };

/**
 * Keeps one outgoing connection alive: dials, and after a plain disconnect or a refused dial
 * waits (interval + jitter, doubling up to the max) and dials again. A protocol rejection ends it,
 * as it does in libzmq.
 */
export class Redialer {
  #stopped = false;
  #timer: Timer | undefined;
  #delay: number;
  #conn: ZmtpConnection | undefined;
  #endpoint: Endpoint;
  #text: string;
  #owner: PipeOwner;
  #label: string;
  #options: RedialOptions;

  constructor(endpoint: Endpoint, text: string, owner: PipeOwner, label: string, options: RedialOptions) {
    this.#endpoint = endpoint;
    this.#text = text;
    this.#owner = owner;
    this.#label = label;
    this.#options = options;
    this.#delay = options.reconnectIntervalMs;
    this.#dial();
  }

  get endpoint(): string {
    return this.#text;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#conn?.close();
  }

  #dial(): void {
    if (this.#stopped) return;
    const socket = handlers(this.#owner, this.#label, this.#endpoint.kind === "tcp", (conn) => {
      this.#conn = conn;
      conn.closedHook = (fatal, wasReady) => this.#closed(fatal, wasReady);
    });
    const ep = this.#endpoint;
    const dialing =
      ep.kind === "tcp"
        ? Bun.connect({ hostname: ep.hostname, port: ep.port, socket, data: undefined })
        : Bun.connect({ unix: (ep as { path: string }).path, socket, data: undefined });
    dialing.then(
      (s) => {
        if (this.#stopped) s.end();
      },
      () => this.#retry(),
    );
  }

  #closed(fatal: boolean, wasReady: boolean): void {
    this.#conn = undefined;
    if (wasReady) this.#delay = this.#options.reconnectIntervalMs;
    if (fatal) return;
    this.#retry();
  }

  #retry(): void {
    if (this.#stopped) return;
    const { reconnectIntervalMs: base, reconnectIntervalMaxMs: max } = this.#options;
    const wait = max > base ? this.#delay : base + Math.random() * base;
    if (max > base) this.#delay = Math.min(this.#delay * 2, max);
    this.#timer = setTimeout(() => this.#dial(), wait);
  }
}
