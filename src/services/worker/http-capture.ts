/**
 * One HTTP request, captured for later parsing: timestamps for send, headers and every body read,
 * plus the raw bytes. Nothing is decoded here (DESIGN.md "Data path": the worker only stamps).
 * This is the one place that knows the transport is Bun's fetch, so another client can replace it.
 */
import { withoutFetchHint } from "../../core/fetch-hint.ts";
import { monoNs, wallNs } from "../../core/clock.ts";
import { redactUrlsInText } from "../../core/redact.ts";
import type { Captured, CaptureRequest } from "../../endpoints/transport.ts";
import type { RecordError } from "../../records/record.ts";

export type { Captured, CaptureFn, CaptureRequest } from "../../endpoints/transport.ts";

/**
 * Aborting `signal` with a RecordError as its reason (see `abortWith`) makes that the capture's
 * error, so the caller decides how a cancellation or deadline is reported.
 */
export async function capture(req: CaptureRequest, signal: AbortSignal): Promise<Captured> {
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
  let cancelBody: (() => Promise<void>) | undefined;
  out.wallStartNs = wallNs();
  out.startNs = monoNs();
  try {
    // timeout:false turns off Bun's coarse idle timeout; deadlines are the caller's signal (bun-runtime §2).
    const res = await fetch(req.url, { method: "POST", headers: req.headers, body: req.body, signal, timeout: false, keepalive: req.fresh !== true });
    out.ackNs = monoNs();
    out.status = res.status;
    out.statusText = res.statusText;
    out.contentType = res.headers.get("content-type") ?? "";
    if (res.body !== null) {
      const reader = res.body.getReader();
      cancelBody = () => reader.cancel();
      const limit = req.maxBytes !== undefined && req.maxBytes > 0 ? req.maxBytes : Number.POSITIVE_INFINITY;
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        // Stamp before anything else: this is the chunk's arrival time.
        const at = monoNs();
        if (done) break;
        if (value.byteLength === 0) continue;
        out.chunkNs.push(at);
        out.chunks.push(value);
        if (out.chunks.length === 1) req.onFirstChunk?.();
        bytes += value.byteLength;
        if (bytes > limit) {
          out.endNs = monoNs();
          return tooLarge(out, limit, reader);
        }
      }
    }
    out.endNs = monoNs();
  } catch (error) {
    out.endNs = monoNs();
    out.error = signal.aborted ? abortReason(signal.reason) : transportError(error);
    cancelBody?.().catch(() => {});
  }
  return out;
}

/**
 * Stops reading a body past the limit: what was read is dropped (the record is an error and its
 * bytes would only cross the bus) and the rest is cancelled, which closes the connection.
 */
async function tooLarge(out: Captured, limit: number, reader: { cancel(): Promise<void> }): Promise<Captured> {
  out.chunks = [];
  out.chunkNs = [];
  out.error = responseTooLarge(limit);
  await reader.cancel().catch(() => {});
  return out;
}

/** The record error of a body cut off at --max-response-bytes. */
export function responseTooLarge(limit: number): RecordError {
  return {
    code: null,
    type: "ResponseTooLarge",
    message: `The reply body exceeded --max-response-bytes (${limit} bytes) and was not read further; raise --max-response-bytes (0 = no limit) to read longer replies`,
  };
}

/**
 * Error codes of a connection that died under a request. On a connection reused from the pool
 * before any reply, this is the race with a server closing it as idle: the server never took the
 * request (Bun's fetch does not retry it itself).
 */
const CONNECTION_LOST = new Set(["ECONNRESET", "ConnectionClosed", "EPIPE", "ECONNABORTED"]);

/**
 * The capture failed with its connection before any byte of reply, and not by our own abort. A
 * transport that knows the connection was new (raw) rules the stale keep-alive case out.
 */
export function lostConnectionBeforeReply(c: Captured, signal: AbortSignal): boolean {
  return c.error !== null && c.reused !== false && c.ackNs === null && !signal.aborted && CONNECTION_LOST.has(c.error.type);
}

/** A reason for AbortController.abort that `capture` reports as the record's error. */
export function abortWith(controller: AbortController, error: RecordError): void {
  if (!controller.signal.aborted) controller.abort(error);
}

function isRecordError(value: unknown): value is RecordError {
  return typeof value === "object" && value !== null && "type" in value && "message" in value && "code" in value;
}

/** The record error of an aborted capture: the RecordError given to `abortWith`, else an AbortError. */
export function abortReason(reason: unknown): RecordError {
  if (isRecordError(reason)) return reason;
  return { code: null, type: "AbortError", message: reason instanceof Error ? reason.message : "The request was aborted" };
}

/**
 * Bun's fetch errors carry a code such as ECONNREFUSED or ECONNRESET; it names the failure best.
 * The message is exported: a URL in it (none in Bun 1.4's messages, but not promised) is redacted.
 */
function transportError(error: unknown): RecordError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: null, type: typeof code === "string" && code !== "" ? code : error.name, message: redactUrlsInText(withoutFetchHint(error.message)) };
  }
  return { code: null, type: "Error", message: redactUrlsInText(String(error)) };
}
