/**
 * One raw capture (a worker's RawRecord and its reply's reads) into one RequestRecord, with the
 * run's parse settings bound once: what the record processor does per reply, and what the records
 * service does itself when no record-processor process runs.
 */
import { bodyAudioSeconds } from "../endpoints/audio-duration.ts";
import { type DatasetReader, openDataset } from "../protocol/dataset-file.ts";
import type { RawRecord } from "../protocol/pipeline.ts";
import type { ReplyConfig } from "../protocol/record-processor-config.ts";
import type { RawExchange, RequestRecord } from "../records/record.ts";
import type { Counter } from "./counter.ts";
import type { Skip } from "./openai-parse.ts";
import { type ParseContext, parseRecord } from "./parse-record.ts";
import { requestedOutputTokens } from "./token-accounting.ts";

type DebugLog = { debug(...args: unknown[]): void };

export class ReplyParser {
  readonly #pc: ParseContext;
  readonly #dataset: DatasetReader;
  readonly #captureRaw: boolean;

  /** `name` becomes each record's record_processor_id. */
  constructor(name: string, config: ReplyConfig, counter: Counter, log: DebugLog) {
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
  }

  /** Never throws: a bug or a tokenizer failure is still a record (an error one), so the run's counts stay whole. */
  parse(raw: RawRecord, chunks: readonly Uint8Array[]): RequestRecord {
    let record: RequestRecord;
    try {
      record = parseRecord(raw, chunks, this.#pc);
    } catch (error) {
      record = parseRecord({ ...raw, error: { code: null, type: error instanceof Error ? error.name : "Error", message: String(error) } }, [], this.#pc);
    }
    if (this.#captureRaw) record.raw = rawExchange(raw, chunks, this.#dataset);
    return record;
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
