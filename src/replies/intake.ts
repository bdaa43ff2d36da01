/**
 * Reads the workers' raw batches (protocol/raw-batch.ts) from a bound PULL and parses each reply
 * in arrival order, handing every record to `sink.record`. Shared by the record processor (which
 * batches the records on to the records service) and the records service (which keeps them).
 */
import { type BusSocket, type Message } from "../bus/index.ts";
import { decodeRawBatch } from "../protocol/raw-batch.ts";
import type { RequestRecord } from "../records/record.ts";
import type { ReplyParser } from "./parser.ts";

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

/** `record`: each parsed record, in order; `settled`: the queue paused (a slice ended) or emptied. */
type RecordSink = { record(record: RequestRecord): void; settled(): void };

type IntakeStats = { raw: number; errors: number };

export class RawIntake {
  readonly #name: string;
  readonly #pull: BusSocket;
  readonly #parser: ReplyParser;
  readonly #sink: RecordSink;
  readonly #warn: (message: string, error: unknown) => void;
  readonly #busy: ((ms: number) => Promise<void>) | undefined;
  readonly #handler = (msg: Message): void => this.#onBatch(msg);
  #queue: RawItem[] = [];
  #draining = false;
  #stopped = false;
  readonly #stats: IntakeStats = { raw: 0, errors: 0 };

  /** `pull` is already bound; it starts being read here. `busy` announces a long job to the controller (ServiceContext.busy). */
  constructor(
    name: string,
    pull: BusSocket,
    parser: ReplyParser,
    sink: RecordSink,
    warn: (message: string, error: unknown) => void,
    busy?: (ms: number) => Promise<void>,
  ) {
    this.#name = name;
    this.#pull = pull;
    this.#parser = parser;
    this.#sink = sink;
    this.#warn = warn;
    this.#busy = busy;
    pull.onMessage(this.#handler);
  }

  stats(): IntakeStats {
    return { ...this.#stats };
  }

  /** Stops reading and parsing (the caller closes the PULL). */
  stop(): void {
    this.#stopped = true;
    this.#pull.onMessage(undefined);
  }

  #onBatch(msg: Message): void {
    let items: RawItem[];
    try {
      items = decodeRawBatch(msg);
    } catch (error) {
      this.#warn(`${this.#name}: dropping a raw batch that does not decode:`, error);
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
        const { record: raw, chunks } = this.#queue[i] as RawItem;
        const bytes = replyBytes(chunks);
        if (bytes >= BIG_REPLY_BYTES && this.#busy !== undefined) {
          if (!detached) this.#pull.onMessage(undefined);
          detached = true;
          await this.#busy(busyFor(bytes));
        }
        this.#stats.raw++;
        const record = this.#parser.parse(raw, chunks);
        if (record.error !== null) this.#stats.errors++;
        this.#sink.record(record);
        if (performance.now() - sliceStart >= SLICE_MS) {
          if (!detached) this.#pull.onMessage(undefined);
          detached = true;
          this.#sink.settled();
          await new Promise<void>((resolve) => setTimeout(resolve, 0));
          sliceStart = performance.now();
        }
      }
    } finally {
      this.#queue = [];
      this.#draining = false;
    }
    this.#sink.settled();
    // Batches that waited in the socket are delivered now (and start the next drain).
    if (detached && !this.#stopped) this.#pull.onMessage(this.#handler);
  }
}

function replyBytes(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}
