/**
 * The record processor's data path: RawBatch in on the PULL, RequestRecords out on the records
 * PUSH, batched (one ParsedBatch per FLUSH_RECORDS records or FLUSH_MS).
 */
import type { ConsolaInstance } from "consola";
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { bodyAudioSeconds } from "../../endpoints/audio-duration.ts";
import { type DatasetReader, openDataset } from "../../protocol/dataset-file.ts";
import { decodeRawBatch, encodeJson, type ParsedBatch, type RawRecord } from "../../protocol/pipeline.ts";
import type { ProcessorConfig, ProcessorStats } from "../../protocol/record-processor-config.ts";
import type { RequestRecord } from "../../records/record.ts";
import type { Counter } from "./counter.ts";
import type { Skip } from "./openai-parse.ts";
import { type ParseContext, parseRecord } from "./parse-record.ts";
import { requestedOutputTokens } from "./token-accounting.ts";

export type ProcessorLog = Pick<ConsolaInstance, "warn" | "debug">;

export const FLUSH_RECORDS = 256;
export const FLUSH_MS = 10;
const PEER_WAIT_MS = 30_000;

export class ProcessorEngine {
  readonly #name: string;
  readonly #log: ProcessorLog;
  readonly #pull: BusSocket;
  readonly #push: BusSocket;
  readonly #pc: ParseContext;
  #pending: RequestRecord[] = [];
  #timer: Timer | undefined;
  #stats: ProcessorStats = { raw: 0, records: 0, errors: 0, batches: 0 };

  /** `pull` is the already bound raw-records socket; it starts being read here. */
  constructor(name: string, pull: BusSocket, config: ProcessorConfig, counter: Counter, log: ProcessorLog) {
    this.#name = name;
    this.#log = log;
    this.#pull = pull;
    const dataset = openDataset(config.datasetPath);
    this.#pc = {
      endpointType: config.endpointType,
      useServerTokenCount: config.useServerTokenCount,
      ...(config.responseField === undefined ? {} : { responseField: config.responseField }),
      counter,
      processorId: name,
      dataset,
      requestedTokens: perTurn(dataset, (body) => requestedOutputTokens(body)),
      ...(config.endpointType === "audio_transcription" ? { audioSeconds: perTurn(dataset, bodyAudioSeconds) } : {}),
      onSkip: (skip: Skip, raw: RawRecord) => log.debug(`${name}: skipped a response of ${raw.xRequestId}: ${skip.skip}${skip.detail ? ` (${skip.detail})` : ""}`),
    };
    this.#push = createSocket("PUSH", { name: `${name} records` });
    this.#push.connect(config.recordsEndpoint);
    this.#pull.onMessage((msg: Message) => this.#onBatch(msg));
  }

  async ready(): Promise<void> {
    await this.#push.waitForPeers(1, PEER_WAIT_MS);
  }

  stats(): ProcessorStats {
    return { ...this.#stats };
  }

  /** Sends what is batched and closes the records socket (the caller closes the PULL). */
  stop(): void {
    this.#pull.onMessage(undefined);
    this.#flush();
    this.#push.close();
  }

  #onBatch(msg: Message): void {
    let items: ReturnType<typeof decodeRawBatch>;
    try {
      items = decodeRawBatch(msg);
    } catch (error) {
      this.#log.warn(`${this.#name}: dropping a raw batch that does not decode:`, error);
      return;
    }
    for (const { record: raw, chunks } of items) {
      this.#stats.raw++;
      let record: RequestRecord;
      try {
        record = parseRecord(raw, chunks, this.#pc);
      } catch (error) {
        // A bug or a tokenizer failure: still a record, so the run's counts stay whole.
        record = parseRecord({ ...raw, error: { code: null, type: error instanceof Error ? error.name : "Error", message: String(error) } }, [], this.#pc);
      }
      if (record.error !== null) this.#stats.errors++;
      this.#pending.push(record);
    }
    if (this.#pending.length >= FLUSH_RECORDS) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch: ParsedBatch = { processor: this.#name, records: this.#pending };
    this.#pending = [];
    this.#stats.records += batch.records.length;
    this.#stats.batches++;
    const frame = encodeJson(batch);
    if (!this.#push.trySend(frame)) this.#push.send(frame).catch((error: unknown) => this.#log.debug(`${this.#name}: send failed:`, error));
  }
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
