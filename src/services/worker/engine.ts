/**
 * The worker's data path: a credit arrives on the DEALER, the request goes out at the credit's
 * intended time, the capture becomes a RawRecord batched to the record processors, and only then
 * is the credit returned. Per request there is no schema validation and no JSON parsing of bodies,
 * except for the later turns of multi-turn sessions, whose history is threaded in (session-history.ts).
 */
import type { ConsolaInstance } from "consola";
import { type BusSocket, createSocket, type Message, type Sendable } from "../../bus/index.ts";
import { clockEpoch, monoNs, wallNs } from "../../core/clock.ts";
import { type DatasetReader, openDataset } from "../../protocol/dataset-file.ts";
import { type Credit, type CreditFirstByte, type CreditReturn, decodeJson, encodeJson, type Phase, type RawRecord } from "../../protocol/pipeline.ts";
import type { WorkerConfig, WorkerStats } from "../../protocol/worker-config.ts";
import type { RecordError } from "../../records/record.ts";
import { abortWith, type Captured, type CaptureFn, type CaptureRequest, capture, lostConnectionBeforeReply } from "./http-capture.ts";
import { rawCapture } from "./raw-capture.ts";
import { registerTransport, transportFor } from "../../endpoints/transport.ts";
import { closeIdle } from "./raw-pool.ts";
import { LoopLagMonitor } from "./loop-lag.ts";
import { RawBatcher } from "./raw-batcher.ts";
import { type HeaderPlan, planHeaders, requestHeaders } from "../../endpoints/headers.ts";
import { buildUrl, isMultipart, sendable } from "./request-builder.ts";
import { SendQueue } from "./send-at.ts";
import { SEND_TRACE, type SendTrace, startTrace } from "./send-trace.ts";
import { SessionHistories } from "./session-history.ts";

// The built-in transports, registered as a plugin's are (the registry is endpoints/transport.ts).
registerTransport("fetch", capture);
registerTransport("raw", rawCapture);

type WorkerLog = Pick<ConsolaInstance, "warn" | "debug">;

/** A queued credit as it arrived (timing/queues.ts): it starts in the slot of one of ours that ends. */
type Held = { credit: Credit; arrivedNs: number; epoch: number; trace: SendTrace | undefined };

type Sent = { captured: Captured; cancellationNs: number | null; requestId: string; retriedAfter?: { startNs: number; error: RecordError } };

const PEER_WAIT_MS = 30_000;
/** The longest wait a timer can hold. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** On shutdown, in-flight requests are aborted; this bounds the wait for them to settle. */
const SETTLE_MS = 2_000;
const SHUTDOWN_ERROR: RecordError = { code: null, type: "ServiceShutdown", message: "The worker shut down before the request finished" };

export class WorkerEngine {
  readonly #name: string;
  /** What the records call this worker (WorkerConfig.workerId). */
  readonly #recordId: string;
  readonly #log: WorkerLog;
  readonly #dealer: BusSocket;
  readonly #push: BusSocket;
  readonly #dataset: DatasetReader;
  readonly #sessions: SessionHistories;
  readonly #urls: string[];
  readonly #plan: HeaderPlan;
  /** audio_transcription: stored JSON bodies go out as multipart/form-data. */
  readonly #multipart: boolean;
  /** --connection-reuse-strategy never: no request reuses a connection. */
  readonly #fresh: boolean;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #batcher: RawBatcher;
  /** --transport: Bun's fetch, or HTTP/1.1 on Bun.connect sockets. */
  readonly #capture: CaptureFn;
  /** Requests in flight (or waiting for their send time), by the phase of their credit. */
  readonly #active = new Map<AbortController, Phase>();
  /** Phases cancelled by the controller (grace period over, interrupt): why, and when each request was cut. */
  readonly #cancelledPhases = new Map<Phase, RecordError>();
  readonly #cutAt = new WeakMap<AbortController, number>();
  readonly #loopLag = new LoopLagMonitor();
  /** Queued credits, oldest first: each starts in the same turn as one of this worker's requests ends. */
  #held: Held[] = [];
  /** Requests whose transport was called and has not finished: while any, waits keep the loop turning. */
  #onWire = 0;
  /** Credits arrive a little ahead of their time (timing/clock.ts SEND_LEAD_NS) and wait here. */
  readonly #sendQueue = new SendQueue(() => this.#onWire > 0);
  /** URLs that have answered this worker: fetch may hold a kept-alive connection to them. */
  readonly #answered = new Set<string>();
  #profiling = false;
  /** --streaming: warn once when a successful reply is not an event stream (its TTFT is its latency). */
  #checkStream: boolean;
  #nextUrl = 0;
  #settled: (() => void) | undefined;
  #stats = { credits: 0, completed: 0, transportErrors: 0, cancelled: 0 };

  constructor(name: string, config: WorkerConfig, log: WorkerLog) {
    this.#name = name;
    this.#recordId = config.workerId ?? name;
    this.#log = log;
    this.#dataset = openDataset(config.datasetPath);
    // raw and raw_payload send stored payloads untouched: they already hold whatever history they need.
    this.#sessions = new SessionHistories(this.#dataset, { verbatim: config.endpointType === "raw" || config.verbatimTurns });
    this.#urls = config.urls.map((u) => buildUrl(u, config.endpointPath));
    this.#plan = planHeaders(config);
    this.#multipart = config.multipart ?? isMultipart(config.endpointType);
    this.#fresh = config.freshConnections;
    this.#checkStream = config.streaming;
    this.#timeoutMs = config.requestTimeoutSeconds * 1000;
    this.#maxResponseBytes = config.maxResponseBytes;
    this.#capture = transportFor(config.transport);
    this.#dealer = createSocket("DEALER", { identity: name, name: `${name} credits` });
    this.#push = createSocket("PUSH", { name: `${name} raw` });
    this.#batcher = new RawBatcher((frames, bytes) =>
      this.#push.sendGathered(frames, bytes)?.catch((error: unknown) => this.#log.debug(`${this.#name}: send failed:`, error)),
    );
    this.#dealer.connect(config.creditsEndpoint);
    for (const ep of config.processorEndpoints) this.#push.connect(ep);
    this.#dealer.onMessage((msg: Message) => this.#onCredit(msg));
    this.#loopLag.start();
  }

  get urls(): string[] {
    return this.#urls;
  }

  /** Resolves once the timing service and every record processor are connected. */
  async ready(processors: number): Promise<void> {
    await Promise.all([this.#dealer.waitForPeers(1, PEER_WAIT_MS), this.#push.waitForPeers(processors, PEER_WAIT_MS)]);
  }

  stats(): WorkerStats {
    return { ...this.#stats, inFlight: this.#active.size, batches: this.#batcher.batches, loopLag: this.#loopLag.report() };
  }

  /** Aborts what is in flight, sends every record still batched, and closes the sockets. */
  async stop(): Promise<void> {
    this.#dealer.onMessage(undefined);
    this.#loopLag.stop();
    // Before the requests are cut: their ends must not start what is queued.
    this.#returnHeld(() => true);
    if (this.#active.size > 0) {
      const settled = new Promise<void>((resolve) => (this.#settled = resolve));
      for (const ctl of this.#active.keys()) abortWith(ctl, SHUTDOWN_ERROR);
      await Promise.race([settled, Bun.sleep(SETTLE_MS)]);
    }
    this.#batcher.flush();
    closeIdle();
    this.#dealer.close();
    this.#push.close();
  }

  /**
   * Cancels the phases' requests in flight, each becoming a cancelled record (upstream's error
   * 499 RequestCancellationError, was_cancelled) with `message`; a credit of those phases that
   * arrives later (it crossed the cancel) becomes one at once, without a request. Returns how many
   * requests were in flight.
   */
  cancel(phases: readonly Phase[], message: string): number {
    const error: RecordError = { code: 499, type: "RequestCancellationError", message };
    for (const phase of phases) this.#cancelledPhases.set(phase, error);
    // Queued credits of those phases were never sent: back unsent, not cancelled records.
    this.#returnHeld((credit) => phases.includes(credit.phase));
    let cut = 0;
    for (const [ctl, phase] of this.#active) {
      if (!phases.includes(phase) || ctl.signal.aborted) continue;
      this.#cut(ctl, error);
      cut++;
    }
    return cut;
  }

  #cut(ctl: AbortController, error: RecordError): void {
    this.#cutAt.set(ctl, monoNs());
    abortWith(ctl, error);
  }

  #onCredit(msg: Message): void {
    const readNs = SEND_TRACE ? monoNs() : 0;
    let credit: Credit;
    try {
      // A ROUTER-sent message reaches the DEALER as its payload frames; the credit is the last.
      credit = decodeJson<Credit>(msg[msg.length - 1]);
    } catch (error) {
      this.#log.warn(`${this.#name}: ignoring a credit that is not JSON:`, error);
      return;
    }
    this.#stats.credits++;
    const arrivedNs = monoNs();
    const epoch = clockEpoch();
    // Loop lag counts from the profiling phase on (warmup's start-up stalls are not the run's).
    if (!this.#profiling && credit.phase === "profiling") {
      this.#profiling = true;
      this.#loopLag.reset();
    }
    const trace = startTrace(credit.issuedNs, readNs);
    if (credit.queued !== true) {
      void this.#serve(credit, arrivedNs, epoch, trace);
      return;
    }
    // With no request of ours in flight, nothing would ever start it (its slot's return crossed it).
    if (this.#cancelledPhases.has(credit.phase) || this.#active.size === 0) this.#returnUnsent(credit);
    else this.#held.push({ credit, arrivedNs, epoch, trace });
  }

  /**
   * A request ended: starts the oldest queued credit in its slot, now, and returns its id (undefined
   * when none may start). One past its not-after time or of a cancelled phase goes back unsent.
   * A queued credit's intended time is when its slot freed, as a burst credit's is.
   */
  #startHeld(): number | undefined {
    for (let held = this.#held.shift(); held !== undefined; held = this.#held.shift()) {
      const { credit } = held;
      const nowNs = monoNs();
      if (this.#cancelledPhases.has(credit.phase) || (credit.notAfterNs !== undefined && nowNs > credit.notAfterNs)) {
        this.#returnUnsent(credit);
        continue;
      }
      credit.intendedNs = nowNs;
      credit.readyNs = undefined;
      void this.#serve(credit, held.arrivedNs, held.epoch, held.trace);
      return credit.id;
    }
    return undefined;
  }

  /** Returns unsent the queued credits that `which` picks. */
  #returnHeld(which: (credit: Credit) => boolean): void {
    const keep: Held[] = [];
    for (const held of this.#held) {
      if (which(held.credit)) this.#returnUnsent(held.credit);
      else keep.push(held);
    }
    this.#held = keep;
  }

  #returnUnsent(credit: Credit): void {
    const ret: CreditReturn = { id: credit.id, phase: credit.phase, worker: this.#name, unsent: true };
    if (!this.#dealer.closed) this.#sendOn(this.#dealer, encodeJson(ret));
  }

  async #serve(credit: Credit, arrivedNs: number, epoch: number, trace: SendTrace | undefined): Promise<void> {
    const ctl = new AbortController();
    this.#active.set(ctl, credit.phase);
    const cancelled = this.#cancelledPhases.get(credit.phase);
    if (cancelled !== undefined) this.#cut(ctl, cancelled);
    try {
      // Timing sent it a little early: wait for its time here (send-at.ts); a due one goes at once.
      const early = this.#sendQueue.until(credit.intendedNs, ctl.signal);
      if (early !== undefined) await early;
      if (trace !== undefined) trace.dueNs = monoNs();
      this.#onWire++;
      let sent: Sent;
      try {
        sent = await this.#request(credit, ctl, trace);
      } finally {
        this.#onWire--;
      }
      const record = this.#record(credit, sent);
      if (trace !== undefined) record.sendTrace = trace;
      if (this.#checkStream && record.status !== null && record.status >= 200 && record.status < 300) this.#warnIfNotStreamed(record.contentType);
      if (record.error !== null) this.#stats.transportErrors++;
      if (record.wasCancelled) this.#stats.cancelled++;
      this.#batcher.add(record, sent.captured.chunks);
      // Before the credit goes back: the session's next turn may arrive right after the return.
      this.#sessions.finished(credit, sent.captured);
    } catch (error) {
      // Only a bug gets here; the credit is still returned so the run does not hang.
      this.#log.warn(`${this.#name}: credit ${credit.id} failed:`, error);
    } finally {
      this.#active.delete(ctl);
      this.#stats.completed++;
      const ret: CreditReturn = { id: credit.id, phase: credit.phase, worker: this.#name };
      // The next request goes out before this return does: the slot moves to it (CreditReturn.started).
      if (this.#held.length > 0) {
        const started = this.#startHeld();
        if (started !== undefined) ret.started = started;
      }
      // The credit clock's samples, when both stamps are on the same clock (cluster/credit-clock.ts).
      if (credit.issuedNs !== undefined && epoch === clockEpoch()) {
        ret.forwardNs = arrivedNs - credit.issuedNs;
        ret.sentNs = monoNs();
        ret.epoch = epoch;
      }
      if (!this.#dealer.closed) this.#sendOn(this.#dealer, encodeJson(ret));
      if (this.#active.size === 0) this.#settled?.();
    }
  }

  async #request(credit: Credit, ctl: AbortController, trace: SendTrace | undefined): Promise<Sent> {
    const requestId = crypto.randomUUID();
    let body: Uint8Array | FormData;
    try {
      body = sendable(this.#multipart, this.#sessions.bodyFor(credit));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { captured: failed({ code: null, type: "DatasetError", message }), cancellationNs: null, requestId };
    }
    const url = this.#urls[this.#nextUrl++ % this.#urls.length] as string;
    const headers = requestHeaders(this.#plan, requestId, credit.correlationId);
    let cancellationNs: number | null = null;
    const timers: Timer[] = [];
    const cancelAfter = credit.cancelAfterNs;
    if (cancelAfter !== null) {
      const message = `Request was cancelled after ${(cancelAfter / 1e9).toFixed(3)} seconds`;
      timers.push(
        setTimeout(() => {
          if (ctl.signal.aborted) return;
          cancellationNs = monoNs();
          abortWith(ctl, { code: 499, type: "RequestCancellationError", message });
        }, cancelAfter / 1e6),
      );
    }
    // Bun (as Node) runs a setTimeout longer than MAX_TIMER_MS after 1 ms: such a timeout (> 24.8 days) is left unarmed.
    if (this.#timeoutMs > 0 && this.#timeoutMs <= MAX_TIMER_MS) {
      const message = `Request timed out after ${this.#timeoutMs / 1000} seconds`;
      timers.push(setTimeout(() => abortWith(ctl, { code: null, type: "TimeoutError", message }), this.#timeoutMs));
    }
    if (trace !== undefined) trace.builtNs = monoNs();
    try {
      const onFirstChunk = credit.reportFirstByte === true ? () => this.#firstByte(credit) : undefined;
      // Optional fields are assigned, not spread: a spread copies the object per request.
      const req: CaptureRequest = { url, headers, body, maxBytes: this.#maxResponseBytes, fresh: this.#fresh };
      if (onFirstChunk !== undefined) req.onFirstChunk = onFirstChunk;
      let captured = await this.#capture(req, ctl.signal);
      let retriedAfter: Sent["retriedAfter"];
      // Bun's fetch cannot say whether the connection was reused; one that died before any reply
      // from a URL that answered before most likely was (the server closed it as idle): send
      // once more on a new connection. The record's times are the second attempt's. The raw
      // transport knows, and only a reused connection counts. (Never with fresh connections.)
      if (!this.#fresh && this.#answered.has(url) && lostConnectionBeforeReply(captured, ctl.signal)) {
        retriedAfter = { startNs: captured.startNs, error: captured.error as RecordError };
        captured = await this.#capture({ ...req, fresh: true }, ctl.signal);
      }
      if (captured.ackNs !== null) this.#answered.add(url);
      // A cancel timer that fired after the body ended changed nothing: not a cancellation.
      const sent: Sent = { captured, cancellationNs: captured.error !== null ? (cancellationNs ?? this.#cutAt.get(ctl) ?? null) : null, requestId };
      if (retriedAfter !== undefined) sent.retriedAfter = retriedAfter;
      return sent;
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  }

  #record(credit: Credit, { captured: c, cancellationNs, requestId, retriedAfter }: Sent): RawRecord {
    const record: RawRecord = {
      creditId: credit.id,
      phase: credit.phase,
      sessionNum: credit.num,
      conversation: credit.conversation,
      turn: credit.turn,
      xRequestId: requestId,
      xCorrelationId: credit.correlationId,
      workerId: this.#recordId,
      intendedNs: credit.intendedNs,
      startNs: c.startNs,
      ackNs: c.ackNs,
      endNs: c.endNs,
      wallStartNs: c.wallStartNs,
      status: c.status,
      statusText: c.statusText,
      contentType: c.contentType,
      chunkNs: c.chunkNs,
      chunkBytes: c.chunks.map((b) => b.byteLength),
      error: c.error,
      wasCancelled: cancellationNs !== null,
      cancellationNs,
    };
    if (credit.readyNs !== undefined) record.readyNs = credit.readyNs;
    if (retriedAfter !== undefined) record.retriedAfter = retriedAfter;
    return record;
  }

  #warnIfNotStreamed(contentType: string): void {
    this.#checkStream = false;
    if (/text\/event-stream/i.test(contentType)) return;
    this.#log.warn(
      `--streaming was asked for, but the server answered with one whole reply (content-type ${contentType === "" ? "none" : contentType}), not an event stream: time to first token will equal the request latency. Does the server support streaming on this endpoint?`,
    );
  }

  /** Tells timing the credit's first response bytes arrived (it frees a prefill slot). */
  #firstByte(credit: Credit): void {
    const msg: CreditFirstByte = { id: credit.id, phase: credit.phase, worker: this.#name, firstByte: true };
    if (!this.#dealer.closed) this.#sendOn(this.#dealer, encodeJson(msg));
  }

  /** In order when there is room; otherwise waits for it (records must not be dropped). */
  #sendOn(socket: BusSocket, msg: Sendable): void {
    if (socket.trySend(msg)) return;
    socket.send(msg).catch((error: unknown) => this.#log.debug(`${this.#name}: send failed:`, error));
  }
}

/** A request that never reached the network. */
function failed(error: RecordError): Captured {
  const now = monoNs();
  return { startNs: now, wallStartNs: wallNs(), ackNs: null, endNs: now, status: null, statusText: "", contentType: "", chunkNs: [], chunks: [], error };
}
