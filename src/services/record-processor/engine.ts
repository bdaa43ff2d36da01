/**
 * The record processor's data path: RawBatch in on the PULL, parsed by the replies library
 * (src/replies/intake.ts), RequestRecords out on the records PUSH, batched (one record batch,
 * protocol/record-batch.ts, per FLUSH_RECORDS records or FLUSH_MS).
 */
import type { ConsolaInstance } from "consola";
import { type BusSocket, createSocket } from "../../bus/index.ts";
import { encodeRecordBatch, type RecordBatch } from "../../protocol/record-batch.ts";
import type { ProcessorConfig, ProcessorStats } from "../../protocol/record-processor-config.ts";
import type { RequestRecord } from "../../records/record.ts";
import type { Counter } from "../../replies/counter.ts";
import { RawIntake } from "../../replies/intake.ts";
import { ReplyParser } from "../../replies/parser.ts";

type ProcessorLog = Pick<ConsolaInstance, "warn" | "debug">;

const FLUSH_RECORDS = 256;
/**
 * How long a parsed record may wait for others to share its message. Nothing waits on a record
 * (the run's pace is the worker's and timing's; progress and the live view are sampled every
 * 250 ms), and each message wakes the records service: at 300 streamed requests/s, 10 ms meant
 * ~0.22 wake-ups of its event loop per request, 50 ms 0.09 (docs/client-efficiency.md, seventh pass).
 */
const FLUSH_MS = 50;
const PEER_WAIT_MS = 30_000;

export class ProcessorEngine {
  readonly #name: string;
  readonly #log: ProcessorLog;
  readonly #push: BusSocket;
  readonly #intake: RawIntake;
  #pending: RequestRecord[] = [];
  #timer: Timer | undefined;
  #records = 0;
  #batches = 0;

  /**
   * `pull` is the already bound raw-records socket; it starts being read here. `busy` announces a
   * long job to the controller (ServiceContext.busy).
   */
  constructor(name: string, pull: BusSocket, config: ProcessorConfig, counter: Counter, log: ProcessorLog, busy?: (ms: number) => Promise<void>) {
    this.#name = name;
    this.#log = log;
    this.#push = createSocket("PUSH", { name: `${name} records` });
    this.#push.connect(config.recordsEndpoint);
    const parser = new ReplyParser(name, config, counter, log);
    const sink = { record: (r: RequestRecord) => this.#pending.push(r), settled: () => this.#scheduleFlush() };
    this.#intake = new RawIntake(name, pull, parser, sink, (message, error) => log.warn(message, error), busy);
  }

  async ready(): Promise<void> {
    await this.#push.waitForPeers(1, PEER_WAIT_MS);
  }

  stats(): ProcessorStats {
    return { ...this.#intake.stats(), records: this.#records, batches: this.#batches };
  }

  /** Sends what is batched and closes the records socket (the caller closes the PULL). */
  stop(): void {
    this.#intake.stop();
    this.#flush();
    this.#push.close();
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
    this.#records += batch.records.length;
    this.#batches++;
    const frames = encodeRecordBatch(batch);
    if (!this.#push.trySend(frames)) this.#push.send(frames).catch((error: unknown) => this.#log.debug(`${this.#name}: send failed:`, error));
  }
}
