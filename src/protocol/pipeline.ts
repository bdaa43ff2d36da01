/**
 * Messages of the profiling data path (DESIGN.md "Data path of one request"):
 * timing ROUTER → worker DEALER: Credit; worker → timing: CreditReturn;
 * worker PUSH → record-processor PULL: a raw batch (raw-batch.ts); record-processor PUSH → records PULL: a record
 * batch (record-batch.ts).
 * All times are host-wide monotonic ns (src/core/clock.ts monoNs) unless named wall*.
 */
import type { RecordError } from "../records/record.ts";

export type Phase = "warmup" | "profiling";

/** Permission to send one conversation turn. */
export type Credit = {
  /** Unique in the run; echoed in the return. */
  id: number;
  phase: Phase;
  /** Credit number within its phase (upstream session_num). */
  num: number;
  /** Index into the dataset file's conversations. */
  conversation: number;
  /** The turn this credit sends; a session's turns come one at a time, in order, to one worker. */
  turn: number;
  /** When the request should be sent (monoNs); the worker sends at once if this has passed. */
  intendedNs: number;
  /**
   * Present only when the credit waited for a concurrency or prefill slot past intendedNs: when
   * the slot freed. The client verdict counts send lag from here (a held credit is the server's
   * load, not the client's lag); the intended-time metrics keep intendedNs.
   */
  readyNs?: number;
  /** Cancel the request this long after sending (ns), or null. */
  cancelAfterNs: number | null;
  /** X-Correlation-ID: one per session, the same for all its turns (the worker keys history by it). */
  correlationId: string;
  /** Send a CreditFirstByte when the response's first body bytes arrive (the prefill ceiling needs it). */
  reportFirstByte?: boolean;
  /** When timing sent it (its monoNs): the forward half of the credit clock (cluster/credit-clock.ts). */
  issuedNs?: number;
  /**
   * A credit the worker holds for later (timing/queues.ts): it starts it only in the slot of one of
   * its own requests that ended, in the same turn, and then sets intendedNs to that moment (and
   * drops readyNs). Absent on every credit outside a queueing phase.
   */
  queued?: true;
  /** A queued credit may not start after this (monoNs, the phase's send deadline): it goes back unsent. */
  notAfterNs?: number;
};

export type CreditReturn = {
  id: number;
  phase: Phase;
  worker: string;
  /** The credit clock's samples (cluster/credit-clock.ts): the worker's arrival stamp minus issuedNs. */
  forwardNs?: number;
  /** The worker's monoNs as it sent this return. */
  sentNs?: number;
  /** How many times the worker's clocks were corrected (core/clock.ts clockEpoch): older samples are dropped. */
  epoch?: number;
  /** The id of a queued credit the worker started in this credit's slot: the slot moves to it. */
  started?: number;
  /** A queued credit that was never started (deadline passed, cancelled, no slot to start it in): no request, no record. */
  unsent?: true;
};

/**
 * Controller broadcast "cancel_requests": the phases are over (their grace period ended, the run
 * was interrupted or lost a service); workers cut those phases' requests, each a cancelled record.
 */
export type CancelRequests = { phases: Phase[]; message: string };

/** worker → timing, on the same DEALER as returns, before the return: the first response bytes of a credit arrived. */
export type CreditFirstByte = { id: number; phase: Phase; worker: string; firstByte: true };

/** What a worker captured for one request, before any parsing. Bytes travel beside it. */
export type RawRecord = {
  creditId: number;
  phase: Phase;
  sessionNum: number;
  conversation: number;
  turn: number;
  xRequestId: string;
  xCorrelationId: string;
  workerId: string;
  intendedNs: number;
  /** The credit's readyNs, when it has one. */
  readyNs?: number;
  /** Just before fetch(). */
  startNs: number;
  /** Response headers received; null if none. */
  ackNs: number | null;
  /** Body finished, or the failure. */
  endNs: number;
  wallStartNs: number;
  status: number | null;
  statusText: string;
  contentType: string;
  /** One entry per reader.read(): arrival time and byte length (bytes are concatenated in the batch). */
  chunkNs: number[];
  chunkBytes: number[];
  /** Transport failure (refused, reset, timeout, cancelled); HTTP status errors are set by the parser. */
  error: RecordError | null;
  wasCancelled: boolean;
  cancellationNs: number | null;
  /** The failed first attempt of a request sent again on a fresh connection (RequestRecord.retriedAfter). */
  retriedAfter?: { startNs: number; error: RecordError };
  /** Only with AIPERF_SEND_TRACE=1 in the worker's environment (worker/send-trace.ts): where the send lag went. */
  sendTrace?: SendTrace;
};

/** monoNs stamps of one credit on its way to the socket; the record's startNs is the last hop. */
export type SendTrace = {
  /** Timing released the credit to the bus (Credit.issuedNs). */
  issuedNs: number;
  /** The worker's socket callback handed it over, before decoding. */
  readNs: number;
  /** Decoded (JSON) and registered. */
  decodedNs: number;
  /** The worker's wait for the intended time (if any) ended. */
  dueNs: number;
  /** Body and headers built; the transport is called next. */
  builtNs: number;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(frame: Uint8Array | undefined): T {
  return JSON.parse(decoder.decode(frame)) as T;
}
