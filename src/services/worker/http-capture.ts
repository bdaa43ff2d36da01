/**
 * One HTTP request, captured for later parsing: timestamps for send, headers and every body read,
 * plus the raw bytes. Nothing is decoded here (DESIGN.md "Data path": the worker only stamps).
 * This is the one place that knows the transport is Bun's fetch, so another client can replace it.
 */
import { monoNs, wallNs } from "../../core/clock.ts";
import type { RecordError } from "../../records/record.ts";

export type CaptureRequest = {
  url: string;
  /** Final header set, names lower-cased (so a user header replaces a built-in one). */
  headers: Record<string, string>;
  /** Stored JSON bytes, or a form for multipart endpoints (fetch then sets the boundary header). */
  body: Uint8Array | FormData;
  /** Called once, when the first body bytes arrive (the timing service's prefill ceiling). */
  onFirstChunk?: () => void;
};

export type Captured = {
  /** Taken just before fetch(). */
  startNs: number;
  wallStartNs: number;
  /** Response headers received; null when none arrived. */
  ackNs: number | null;
  /** Body finished, or the failure. */
  endNs: number;
  status: number | null;
  statusText: string;
  contentType: string;
  /** One entry per reader.read(): arrival time and the bytes it returned. */
  chunkNs: number[];
  chunks: Uint8Array[];
  /** Transport failure or abort; an HTTP error status is not an error here. */
  error: RecordError | null;
};

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
    const res = await fetch(req.url, { method: "POST", headers: req.headers, body: req.body, signal, timeout: false });
    out.ackNs = monoNs();
    out.status = res.status;
    out.statusText = res.statusText;
    out.contentType = res.headers.get("content-type") ?? "";
    if (res.body !== null) {
      const reader = res.body.getReader();
      cancelBody = () => reader.cancel();
      for (;;) {
        const { done, value } = await reader.read();
        // Stamp before anything else: this is the chunk's arrival time.
        const at = monoNs();
        if (done) break;
        if (value.byteLength === 0) continue;
        out.chunkNs.push(at);
        out.chunks.push(value);
        if (out.chunks.length === 1) req.onFirstChunk?.();
      }
    }
    out.endNs = monoNs();
  } catch (error) {
    out.endNs = monoNs();
    out.error = signal.aborted ? abortError(signal.reason) : transportError(error);
    cancelBody?.().catch(() => {});
  }
  return out;
}

/** A reason for AbortController.abort that `capture` reports as the record's error. */
export function abortWith(controller: AbortController, error: RecordError): void {
  if (!controller.signal.aborted) controller.abort(error);
}

function isRecordError(value: unknown): value is RecordError {
  return typeof value === "object" && value !== null && "type" in value && "message" in value && "code" in value;
}

function abortError(reason: unknown): RecordError {
  if (isRecordError(reason)) return reason;
  return { code: null, type: "AbortError", message: reason instanceof Error ? reason.message : "The request was aborted" };
}

/** Bun's fetch errors carry a code such as ECONNREFUSED or ECONNRESET; it names the failure best. */
function transportError(error: unknown): RecordError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: null, type: typeof code === "string" && code !== "" ? code : error.name, message: withoutFetchHint(error.message) };
  }
  return { code: null, type: "Error", message: String(error) };
}

/** Bun appends a hint for its own developers ("pass `verbose: true` … to fetch()"); a user cannot act on it. */
export function withoutFetchHint(message: string): string {
  return message.replace(/\s*For more information,? pass `verbose: true` in the second argument to fetch\(\)\.?/i, "").trim();
}
