/**
 * The record processor's data path: RawBatch in on the PULL, RequestRecords out on the records
 * PUSH, batched (one record batch, protocol/record-batch.ts, per FLUSH_RECORDS records or FLUSH_MS).
 */
import type { ConsolaInstance } from "consola";
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { bodyAudioSeconds } from "../../endpoints/audio-duration.ts";
import { type DatasetReader, openDataset } from "../../protocol/dataset-file.ts";
import type { RawRecord } from "../../protocol/pipeline.ts";
import { decodeRawBatch } from "../../protocol/raw-batch.ts";
import { encodeRecordBatch, type RecordBatch } from "../../protocol/record-batch.ts";
import type { ProcessorConfig, ProcessorStats } from "../../protocol/record-processor-config.ts";
import type { RawExchange, RequestRecord } from "../../records/record.ts";
import type { Counter } from "./counter.ts";
import type { Skip } from "./openai-parse.ts";
import { type ParseContext, parseRecord } from "./parse-record.ts";
import { requestedOutputTokens } from "./token-accounting.ts";

type ProcessorLog = Pick<ConsolaInstance, "warn" | "debug">;

const FLUSH_RECORDS = 256;
/**
 * How long a parsed record may wait for others to share its message. Nothing waits on a record
 * (the run's pace is the worker's and timing's; progress and the live view are sampled every
 * 250 ms), and each message wakes the records service: at 300 streamed requests/s, 10 ms meant
 * ~0.22 wake-ups of its event loop per request, 50 ms 0.09 (README "Client efficiency", seventh pass).
 */
const FLUSH_MS = 50;
const PEER_WAIT_MS = 30_000;
/**
 * Parsing yields to the event loop after this much work, so heartbeats, commands and the sockets
 * keep flowing however large the batch (a stalled loop once looked like a dead processor).
 */
const SLICE_MS = 50;
/** A reply this large may block the loop for a while: the controller is told first (busyFor). */
export const BIG_REPLY_BYTES = 1 << 20;

/** The longest a reply of `bytes` may take to parse and count, at a pessimistic 100 KB/s. */
export function busyFor(bytes: number): number {
  return 10_000 + Math.ceil(bytes / 100);
}

type RawItem = ReturnType<typeof decodeRawBatch>[number];

export class ProcessorEngine {
  readonly #name: string;
  readonly #log: ProcessorLog;
  readonly #pull: BusSocket;
  readonly #push: BusSocket;
  readonly #pc: ParseContext;
  readonly #dataset: DatasetReader;
  readonly #captureRaw: boolean;
  readonly #busy: ((ms: number) => Promise<void>) | undefined;
  readonly #handler = (msg: Message): void => this.#onBatch(msg);
  #pending: RequestRecord[] = [];
  #queue: RawItem[] = [];
  #draining = false;
  #stopped = false;
  #timer: Timer | undefined;
  #stats: ProcessorStats = { raw: 0, records: 0, errors: 0, batches: 0 };

  /**
   * `pull` is the already bound raw-records socket; it starts being read here. `busy` announces a
   * long job to the controller (ServiceContext.busy).
   */
  constructor(name: string, pull: BusSocket, config: ProcessorConfig, counter: Counter, log: ProcessorLog, busy?: (ms: number) => Promise<void>) {
    this.#name = name;
    this.#log = log;
    this.#busy = busy;
    this.#pull = pull;
    const dataset = openDataset(config.datasetPath);
    this.#dataset = dataset;
    this.#captureRaw = config.captureRaw === true;
    this.#pc = {
      captureText: config.captureText === true,
      endpointType: config.endpointType,
      useServerTokenCount: config.useServerTokenCount,
      ...(config.responseField === undefined ? {} : { responseField: config.responseField }),
      counter,
      processorId: name,
      dataset,
      requestedTokens: perTurn(dataset, (body) => requestedOutputTokens(body)),
      ...(config.endpointType === "audio_transcription" ? { audioSeconds: perTurn(dataset, bodyAudioSeconds) } : {}),
      onSkip: (skip: Skip, raw: RawRecord) =>
        log.debug(`${name}: skipped a response of ${raw.xRequestId}: ${skip.skip}${skip.detail ? ` (${skip.detail})` : ""}`),
    };
    this.#push = createSocket("PUSH", { name: `${name} records` });
    this.#push.connect(config.recordsEndpoint);
    this.#pull.onMessage(this.#handler);
  }

  async ready(): Promise<void> {
    await this.#push.waitForPeers(1, PEER_WAIT_MS);
  }

  stats(): ProcessorStats {
    return { ...this.#stats };
  }

  /** Sends what is batched and closes the records socket (the caller closes the PULL). */
  stop(): void {
    this.#stopped = true;
    this.#pull.onMessage(undefined);
    this.#flush();
    this.#push.close();
  }

  #onBatch(msg: Message): void {
    let items: RawItem[];
    try {
      items = decodeRawBatch(msg);
    } catch (error) {
      this.#log.warn(`${this.#name}: dropping a raw batch that does not decode:`, error);
      return;
    }
    for (const item of items) this.#queue.push(item);
    if (!this.#draining) void this.#drain();
  }

  /**
   * Parses the queue in order. Runs synchronously while the work is short; past SLICE_MS it stops
   * taking batches (they wait in the socket, which pushes back on workers), yields a turn, and
   * goes on; a big reply is announced before it is parsed.
   */
  async #drain(): Promise<void> {
    this.#draining = true;
    let sliceStart = performance.now();
    let detached = false;
    try {
      for (let i = 0; i < this.#queue.length && !this.#stopped; i++) {
        const item = this.#queue[i] as RawItem;
        const bytes = replyBytes(item.chunks);
        if (bytes >= BIG_REPLY_BYTES && this.#busy !== undefined) {
          if (!detached) this.#pull.onMessage(undefined);
          detached = true;
          await this.#busy(busyFor(bytes));
        }
        this.#parse(item);
        if (performance.now() - sliceStart >= SLICE_MS) {
          if (!detached) this.#pull.onMessage(undefined);
          detached = true;
          this.#scheduleFlush();
          await new Promise<void>((resolve) => setTimeout(resolve, 0));
          sliceStart = performance.now();
        }
      }
    } finally {
      this.#queue = [];
      this.#draining = false;
    }
    this.#scheduleFlush();
    // Batches that waited in the socket are delivered now (and start the next drain).
    if (detached && !this.#stopped) this.#pull.onMessage(this.#handler);
  }

  #parse({ record: raw, chunks }: RawItem): void {
    this.#stats.raw++;
    let record: RequestRecord;
    try {
      record = parseRecord(raw, chunks, this.#pc);
    } catch (error) {
      // A bug or a tokenizer failure: still a record, so the run's counts stay whole.
      record = parseRecord({ ...raw, error: { code: null, type: error instanceof Error ? error.name : "Error", message: String(error) } }, [], this.#pc);
    }
    if (record.error !== null) this.#stats.errors++;
    if (this.#captureRaw) record.raw = rawExchange(raw, chunks, this.#dataset);
    this.#pending.push(record);
  }

  #scheduleFlush(): void {
    if (this.#pending.length >= FLUSH_RECORDS) this.#flush();
    else if (this.#pending.length > 0) this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch: RecordBatch = { processor: this.#name, records: this.#pending };
    this.#pending = [];
    this.#stats.records += batch.records.length;
    this.#stats.batches++;
    const frames = encodeRecordBatch(batch);
    if (!this.#push.trySend(frames)) this.#push.send(frames).catch((error: unknown) => this.#log.debug(`${this.#name}: send failed:`, error));
  }
}

/** The request body as the dataset holds it, and each read of the reply as text (export level raw). */
function rawExchange(raw: RawRecord, chunks: readonly Uint8Array[], dataset: DatasetReader): RawExchange {
  let payload: unknown = null;
  try {
    const text = new TextDecoder().decode(dataset.body(raw.conversation, raw.turn));
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  } catch {
    // A body that cannot be read back (multipart audio recipe, bad index) is written as null.
  }
  const decoder = new TextDecoder();
  const responses = chunks.map((c, i) => ({ perf_ns: Math.round(raw.chunkNs[i] ?? raw.endNs), text: decoder.decode(c, { stream: i < chunks.length - 1 }) }));
  return { payload, status: raw.status, responses };
}

function replyBytes(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}

/**
 * A fact read from a turn's stored body (its output cap, its audio length), read once per turn:
 * synthetic conversations are served again and again, and a body may be megabytes of images or
 * a recipe that `body()` assembles, so re-reading it for every record would be wasted work.
 */
function perTurn(dataset: DatasetReader, read: (body: Uint8Array) => number | null): (c: number, t: number) => number | null {
  // NaN: not read yet; -1: the body names none.
  const known = new Float64Array(dataset.turns).fill(Number.NaN);
  return (c, t) => {
    const i = dataset.turnIndex(c, t);
    let v = known[i] as number;
    if (Number.isNaN(v)) known[i] = v = read(dataset.body(c, t)) ?? -1;
    return v < 0 ? null : v;
  };
}
