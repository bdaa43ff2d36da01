/**
 * The raw transport (`--transport raw`): the same capture as http-capture.ts, written as HTTP/1.1
 * straight onto Bun.connect sockets. Every read is stamped in the socket's data callback, before
 * any parsing, and nothing is decoded beyond the framing. Errors carry the types Bun's fetch gives
 * for the same failure (ECONNREFUSED, ECONNRESET, Malformed_HTTP_Response, …), so records and
 * their summaries do not depend on the transport.
 */
import { monoNs, wallNs } from "../../core/clock.ts";
import { redactUrlsInText } from "../../core/redact.ts";
import type { RecordError } from "../../records/record.ts";
import { HttpParseError, Http1ResponseParser } from "./http1-parser.ts";
import { type Captured, type CaptureRequest, abortReason, responseTooLarge } from "./http-capture.ts";
import { type Conn, type ConnUser, open, type Origin, release, takeIdle } from "./raw-pool.ts";

type Target = { origin: Origin; requestLine: string; auth: string | null };

/** Parsed once per URL: a worker sends to a handful of them. */
const targets = new Map<string, Target>();

function targetOf(url: string): Target {
  let t = targets.get(url);
  if (t === undefined) {
    const u = new URL(url);
    const tls = u.protocol === "https:";
    if (!tls && u.protocol !== "http:") throw new TypeError(`The raw transport speaks http and https only, not ${u.protocol}`);
    const port = u.port === "" ? (tls ? 443 : 80) : Number(u.port);
    const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
    const origin: Origin = { key: `${u.protocol}//${u.host}`, hostname, port, tls };
    // Credentials in the URL go out as Basic auth, as fetch sends them (u.host never holds them).
    const auth =
      u.username === "" && u.password === ""
        ? null
        : `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
    t = { origin, requestLine: `POST ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n`, auth };
    targets.set(url, t);
  }
  return t;
}

/** Header names we frame ourselves; a user's value for them would break the framing. */
const OURS = new Set(["content-length", "transfer-encoding", "connection"]);
const encoder = new TextEncoder();
/**
 * Each header's line as last sent, by name: most values (content type, accept, a user's key) are
 * the same on every request, so their line is checked and built once; a new value (the request
 * id) is checked and built as before. One entry per header name, so it stays small.
 */
const lastLine = new Map<string, { value: string; line: string }>();

/** The request's head, checked: a header with a line break in its name or value throws. */
function requestHead(t: Target, headers: Record<string, string>, bodyBytes: number, close: boolean): string {
  let head = t.requestLine;
  for (const name in headers) {
    const value = headers[name] as string;
    const seen = lastLine.get(name);
    if (seen !== undefined && seen.value === value) {
      head += seen.line;
      continue;
    }
    if (OURS.has(name)) continue;
    if (/[\r\n]/.test(value) || /[\r\n:]/.test(name)) throw new TypeError(`Header ${JSON.stringify(name)} has a line break in its name or value`);
    const line = `${name}: ${value}\r\n`;
    lastLine.set(name, { value, line });
    head += line;
  }
  if (t.auth !== null && !("authorization" in headers)) head += `authorization: ${t.auth}\r\n`;
  if (!("accept" in headers)) head += "accept: */*\r\n";
  if (!("user-agent" in headers)) head += "user-agent: aiperf-bun\r\n";
  return `${head}content-length: ${bodyBytes}\r\n${close ? "connection: close\r\n" : ""}\r\n`;
}

/**
 * Head and body in one buffer for one write. The buffer is reused by the next request: the
 * caller writes it at once, and a connection that cannot take it all copies the rest
 * (raw-pool.ts Conn.write). A fresh buffer per request (Buffer.allocUnsafe) was ~0.3 µs more.
 */
let scratch = new Uint8Array(64 * 1024);
function requestBytes(head: string, body: Uint8Array): Uint8Array {
  const need = head.length * 3 + body.byteLength;
  if (scratch.length < need) scratch = new Uint8Array(need);
  const { written } = encoder.encodeInto(head, scratch);
  scratch.set(body, written);
  return scratch.subarray(0, written + body.byteLength);
}

/** A FormData body as fetch would send it: serialised, with its boundary in the content-type header. */
async function formBytes(form: FormData, headers: Record<string, string>): Promise<{ body: Uint8Array; headers: Record<string, string> }> {
  const r = new Response(form);
  const type = r.headers.get("content-type") ?? "multipart/form-data";
  return { body: new Uint8Array(await r.arrayBuffer()), headers: { ...headers, "content-type": type } };
}

/** Same contract as http-capture.ts `capture`, on the raw transport. */
export async function rawCapture(req: CaptureRequest, signal: AbortSignal): Promise<Captured> {
  const out: Captured = {
    startNs: 0,
    wallStartNs: 0,
    ackNs: null,
    endNs: 0,
    status: null,
    statusText: "",
    contentType: "",
    chunkNs: [],
    chunks: [],
    error: null,
  };
  out.wallStartNs = wallNs();
  out.startNs = monoNs();
  let head: string;
  let body: Uint8Array;
  let target: Target;
  const fresh = req.fresh === true;
  try {
    target = targetOf(req.url);
    // Stored bytes (every endpoint but multipart) go out without an await: no extra turn before the write.
    const parts = req.body instanceof Uint8Array ? (req as { body: Uint8Array; headers: Record<string, string> }) : await formBytes(req.body, req.headers);
    body = parts.body;
    head = requestHead(target, parts.headers, body.byteLength, fresh);
  } catch (error) {
    out.endNs = monoNs();
    out.error = {
      code: null,
      type: error instanceof Error ? error.name : "Error",
      message: redactUrlsInText(error instanceof Error ? error.message : String(error)),
    };
    return out;
  }
  if (signal.aborted) {
    out.endNs = monoNs();
    out.error = abortReason(signal.reason);
    return out;
  }
  return new Promise<Captured>((resolve) => {
    const ex = new Exchange(out, req, signal, fresh, resolve);
    const idle = fresh ? null : takeIdle(target.origin);
    if (idle !== null) {
      out.reused = true;
      ex.start(idle, head, body);
      return;
    }
    out.reused = false;
    open(target.origin).then(
      (conn) => {
        if (ex.finished) conn.destroy();
        else ex.start(conn, head, body);
      },
      (error: unknown) => ex.fail(connectError(error)),
    );
  });
}

/** One request on one connection: feeds reads to the parser and settles the capture once. */
class Exchange implements ConnUser {
  finished = false;
  readonly #out: Captured;
  readonly #parser = new Http1ResponseParser();
  readonly #signal: AbortSignal;
  readonly #fresh: boolean;
  readonly #limit: number;
  readonly #onFirstChunk: (() => void) | undefined;
  readonly #resolve: (c: Captured) => void;
  #conn: Conn | null = null;
  #bytes = 0;
  /** Body ranges [start, end, start, end, …] of the read being handled; one read becomes one stamped chunk. */
  #ranges: number[] = [];
  readonly #onAbort = (): void => this.fail(abortReason(this.#signal.reason));
  readonly #collect = (_bytes: Uint8Array, start: number, end: number): void => {
    if (end > start) this.#ranges.push(start, end);
  };

  constructor(out: Captured, req: CaptureRequest, signal: AbortSignal, fresh: boolean, resolve: (c: Captured) => void) {
    this.#out = out;
    this.#signal = signal;
    this.#fresh = fresh;
    this.#limit = req.maxBytes !== undefined && req.maxBytes > 0 ? req.maxBytes : Number.POSITIVE_INFINITY;
    this.#onFirstChunk = req.onFirstChunk;
    this.#resolve = resolve;
    // No options object: #settle removes it, and fail() is a no-op once settled (~0.3 µs less per request).
    signal.addEventListener("abort", this.#onAbort);
  }

  start(conn: Conn, head: string, body: Uint8Array): void {
    this.#conn = conn;
    conn.user = this;
    conn.write(requestBytes(head, body));
  }

  onData(bytes: Uint8Array, at: number): void {
    if (this.finished) return;
    const out = this.#out;
    const wasHead = this.#parser.headDone;
    let bad: RecordError | null = null;
    try {
      this.#parser.feed(bytes, this.#collect);
    } catch (error) {
      this.#ranges.length = 0;
      bad = error instanceof HttpParseError ? { code: null, type: error.type, message: error.message } : { code: null, type: "Error", message: String(error) };
    }
    const p = this.#parser;
    if (!wasHead && p.headDone) {
      out.ackNs = at;
      out.status = p.status;
      out.statusText = p.statusText;
      out.contentType = p.contentType;
    }
    if (bad !== null) {
      this.fail(bad);
      return;
    }
    const ranges = this.#ranges;
    if (ranges.length > 0) {
      const chunk = bodyOf(bytes, ranges);
      ranges.length = 0;
      out.chunkNs.push(at);
      out.chunks.push(chunk);
      if (out.chunks.length === 1) this.#onFirstChunk?.();
      this.#bytes += chunk.byteLength;
      if (this.#bytes > this.#limit) {
        this.#settle(responseTooLarge(this.#limit), false);
        return;
      }
    }
    if (p.done) this.#settle(null, p.keepAlive && p.extra === 0 && !this.#fresh);
  }

  onClosed(error: Error | undefined): void {
    if (this.finished) return;
    this.#conn = null;
    // A body framed by the close is complete when the close comes.
    if (this.#parser.endsAtClose && error === undefined) {
      this.#settle(null, false);
      return;
    }
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code === "string" && code !== "" && code !== "ECONNRESET") {
      // A named failure (a TLS certificate not trusted, …) says more than the close that followed.
      this.fail({ code: null, type: code, message: redactUrlsInText(`${code}: ${error?.message ?? "the connection failed"}`) });
      return;
    }
    this.fail({ code: null, type: "ECONNRESET", message: "ECONNRESET: The socket connection was closed unexpectedly" });
  }

  /** Ends the capture with `error`; the connection is not reused. */
  fail(error: RecordError): void {
    if (this.finished) return;
    if (error.type === "ResponseTooLarge") this.#settle(error, false);
    else this.#settle(error, false, true);
  }

  #settle(error: RecordError | null, reuse: boolean, keepChunks = false): void {
    if (this.finished) return;
    this.finished = true;
    const out = this.#out;
    out.endNs = monoNs();
    this.#signal.removeEventListener("abort", this.#onAbort);
    if (error !== null) {
      out.error = error;
      if (!keepChunks) {
        out.chunks = [];
        out.chunkNs = [];
      }
    }
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) {
      // A reply that came before the whole request was written (an early 413) leaves the connection mid-request.
      if (reuse && conn.pending === null) release(conn);
      else conn.destroy();
    }
    this.#resolve(out);
  }
}

/**
 * The body bytes of one read. Bun hands every data callback a Buffer of its own, never refilled
 * (tests/worker/raw-read-buffers.test.ts holds Bun to it), so the usual read, one body range, is
 * kept as a view of it: no copy and no new backing store per read. A read holding several body
 * ranges (chunk framing between them) is copied into one array.
 */
function bodyOf(bytes: Uint8Array, ranges: number[]): Uint8Array {
  if (ranges.length === 2) return bytes.subarray(ranges[0] as number, ranges[1] as number);
  let n = 0;
  for (let k = 0; k < ranges.length; k += 2) n += (ranges[k + 1] as number) - (ranges[k] as number);
  const out = new Uint8Array(n);
  let at = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    const s = ranges[k] as number;
    const e = ranges[k + 1] as number;
    out.set(bytes.subarray(s, e), at);
    at += e - s;
  }
  return out;
}

/** Bun.connect's failure (code ECONNREFUSED, ENOTFOUND, a TLS code…) as fetch would name it. */
function connectError(error: unknown): RecordError {
  const code = (error as { code?: unknown } | null)?.code;
  const type = typeof code === "string" && code !== "" ? code : error instanceof Error ? error.name : "Error";
  const detail = type === "ECONNREFUSED" ? "Unable to connect" : error instanceof Error ? error.message : String(error);
  return { code: null, type, message: redactUrlsInText(`${type}: ${detail}`) };
}
