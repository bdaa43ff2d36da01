/**
 * The transport contract: how a worker sends one request and what it keeps of the reply. The
 * built-ins (fetch and raw, in services/worker/) register their CaptureFn here when the worker
 * role loads; a plugin registers its own the same way (plugins/load.ts). Only names live here
 * for the controller, which validates --transport without loading worker code.
 */
import type { RecordError } from "../records/record.ts";

export type CaptureRequest = {
  url: string;
  /** Final header set, names lower-cased (so a user header replaces a built-in one). */
  headers: Record<string, string>;
  /** Stored JSON bytes, or a form for multipart endpoints (fetch then sets the boundary header). */
  body: Uint8Array | FormData;
  /** Called once, when the first body bytes arrive (the timing service's prefill ceiling). */
  onFirstChunk?: () => void;
  /** On a new connection, closed after the reply (a retry after a reused one died). */
  fresh?: boolean;
  /** The body is not read past this many bytes (the record becomes ResponseTooLarge); 0 or absent: no limit. */
  maxBytes?: number;
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
  /** Whether the request went out on a kept-alive connection; absent where the transport cannot tell (fetch). */
  reused?: boolean;
};

/** A transport: one request in, its capture out, never a throw (the raw one is raw-capture.ts). */
export type CaptureFn = (req: CaptureRequest, signal: AbortSignal) => Promise<Captured>;

/** Built-in transport names; `http` is upstream's name for fetch. */
const BUILTIN_TRANSPORTS = ["fetch", "raw", "http"] as const;

const TRANSPORTS = new Map<string, CaptureFn>();
const ORIGINS = new Map<string, string>(BUILTIN_TRANSPORTS.map((t) => [t, "built-in"]));

/** Adds a transport under `name`; a name already taken is refused unless it is the built-in's own registration. */
export function registerTransport(name: string, fn: CaptureFn, origin = "built-in"): void {
  const taken = ORIGINS.get(name);
  if (taken !== undefined && !(taken === "built-in" && origin === "built-in")) throw new Error(`transport "${name}" is already registered (by ${taken})`);
  TRANSPORTS.set(name, fn);
  ORIGINS.set(name, origin);
}

export function transportNames(): { name: string; origin: string }[] {
  return [...ORIGINS].map(([name, origin]) => ({ name, origin }));
}

export function isTransportName(name: string): boolean {
  return ORIGINS.has(name);
}

/** The transport registered as `name` (http is fetch). */
export function transportFor(name: string): CaptureFn {
  const fn = TRANSPORTS.get(name === "http" ? "fetch" : name);
  if (fn === undefined) throw new Error(`unknown transport "${name}" (is the plugin that registers it loaded?)`);
  return fn;
}
