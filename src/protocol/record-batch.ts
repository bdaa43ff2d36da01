/**
 * record-processor PUSH → records PULL: a batch of parsed RequestRecords.
 *
 * Version 2 (this file) sends a record's numbers as float64s and only the rest as JSON: as JSON,
 * a streamed record's 50 arrival times and its other nanosecond stamps were half its bytes and
 * most of the cost of writing and reading it (number ↔ text), on both sides. Frames:
 *   0  header: "arb" and the version byte
 *   1  JSON { processor, records }: each record without the fields of NUMBERS and responseNs
 *   2  float64s: per record, NUMBERS in order, then its responseNs (their count is one of NUMBERS)
 * A float64 carries every number as JSON did (JSON writes a double's shortest exact form), so the
 * records are the same; null or absent is NaN, as JSON already turned NaN into null.
 * Version 1 (one frame, the whole batch as JSON) is still read, from a sender of an older build.
 */
import type { RequestRecord } from "../records/record.ts";

/** A batch as the records service handles it. */
export type RecordBatch = { processor: string; records: RequestRecord[] };

const VERSION = 2;
const HEADER = Uint8Array.of(0x61, 0x72, 0x62, VERSION);

/** null ↔ NaN for these; the optional ones below are absent ↔ NaN. */
type Nullable = "ackNs" | "inputTokens" | "outputTokens" | "reasoningTokens" | "cancellationNs";
type Optional = "intendedNs" | "readyNs" | "firstOutputNs";
/** Record fields carried in the float64 frame (responseNs as its count, then its values). */
type Numbered = "sessionNum" | "turnIndex" | "startNs" | "endNs" | "wallStartNs" | Nullable | Optional | "responseNs";
const SLOTS = 14;

/** The record without its numbered fields: what goes as JSON. */
type Rest = Omit<RequestRecord, Numbered>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The frames of a batch. */
export function encodeRecordBatch(batch: RecordBatch): Uint8Array[] {
  let count = 0;
  for (const r of batch.records) count += SLOTS + r.responseNs.length;
  const numbers = new Float64Array(count);
  const rests: Rest[] = new Array(batch.records.length);
  let at = 0;
  for (let i = 0; i < batch.records.length; i++) {
    const r = batch.records[i] as RequestRecord;
    const {
      sessionNum,
      turnIndex,
      startNs,
      intendedNs,
      readyNs,
      ackNs,
      endNs,
      wallStartNs,
      responseNs,
      inputTokens,
      outputTokens,
      reasoningTokens,
      cancellationNs,
      firstOutputNs,
      ...rest
    } = r;
    numbers[at] = sessionNum;
    numbers[at + 1] = turnIndex;
    numbers[at + 2] = startNs;
    numbers[at + 3] = intendedNs ?? Number.NaN;
    numbers[at + 4] = readyNs ?? Number.NaN;
    numbers[at + 5] = ackNs ?? Number.NaN;
    numbers[at + 6] = endNs;
    numbers[at + 7] = wallStartNs;
    numbers[at + 8] = inputTokens ?? Number.NaN;
    numbers[at + 9] = outputTokens ?? Number.NaN;
    numbers[at + 10] = reasoningTokens ?? Number.NaN;
    numbers[at + 11] = cancellationNs ?? Number.NaN;
    numbers[at + 12] = firstOutputNs ?? Number.NaN;
    numbers[at + 13] = responseNs.length;
    at += SLOTS;
    numbers.set(responseNs, at);
    at += responseNs.length;
    rests[i] = rest;
  }
  const json = encoder.encode(JSON.stringify({ processor: batch.processor, records: rests }));
  return [HEADER, json, new Uint8Array(numbers.buffer)];
}

/** A batch from its frames (version 2 or 1); throws on anything else. */
export function decodeRecordBatch(frames: readonly Uint8Array[]): RecordBatch {
  const header = frames[0];
  if (frames.length === 1) return JSON.parse(decoder.decode(header)) as RecordBatch;
  if (frames.length !== 3 || header === undefined || header.length !== HEADER.length || !HEADER.every((b, i) => header[i] === b)) {
    throw new Error(`not a record batch of version ${VERSION} (${frames.length} frames)`);
  }
  const { processor, records } = JSON.parse(decoder.decode(frames[1])) as { processor: string; records: Rest[] };
  const numbers = float64s(frames[2] as Uint8Array);
  const out: RequestRecord[] = new Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const rest = records[i] as Rest;
    if (at + SLOTS > numbers.length) throw new Error("record batch: fewer numbers than records");
    const n = numbers[at + 13] as number;
    if (at + SLOTS + n > numbers.length) throw new Error("record batch: fewer arrival times than counted");
    // push: a packed array of doubles (new Array(n) starts holey and was ~2x slower to fill).
    const responseNs: number[] = [];
    for (let k = at + SLOTS; k < at + SLOTS + n; k++) responseNs.push(numbers[k] as number);
    // The fields in parseRecord's order, so every record has the same shape and key order.
    const record = {
      phase: rest.phase,
      sessionNum: numbers[at] as number,
      xRequestId: rest.xRequestId,
      xCorrelationId: rest.xCorrelationId,
      conversationId: rest.conversationId,
      turnIndex: numbers[at + 1] as number,
      workerId: rest.workerId,
      recordProcessorId: rest.recordProcessorId,
      startNs: numbers[at + 2] as number,
    } as RequestRecord;
    optional(record, "intendedNs", numbers[at + 3] as number);
    optional(record, "readyNs", numbers[at + 4] as number);
    record.ackNs = nullable(numbers[at + 5] as number);
    record.endNs = numbers[at + 6] as number;
    record.wallStartNs = numbers[at + 7] as number;
    record.responseNs = responseNs;
    record.inputTokens = nullable(numbers[at + 8] as number);
    record.outputTokens = nullable(numbers[at + 9] as number);
    record.reasoningTokens = nullable(numbers[at + 10] as number);
    record.cancellationNs = nullable(numbers[at + 11] as number);
    record.wasCancelled = rest.wasCancelled;
    record.error = rest.error;
    optional(record, "firstOutputNs", numbers[at + 12] as number);
    // Everything else (usage, tokens, retry, …) as the JSON had it.
    for (const key in rest) if (!(key in record)) (record as Record<string, unknown>)[key] = (rest as Record<string, unknown>)[key];
    out[i] = record;
    at += SLOTS + n;
  }
  if (at !== numbers.length) throw new Error("record batch: more numbers than records");
  return { processor, records: out };
}

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function optional(record: RequestRecord, key: Optional, v: number): void {
  if (!Number.isNaN(v)) record[key] = v;
}

/** The frame as float64s: a view when it is aligned (a received frame may sit anywhere in a read), else a copy. */
function float64s(frame: Uint8Array): Float64Array {
  if (frame.byteLength % 8 !== 0) throw new Error(`record batch: a number frame of ${frame.byteLength} bytes`);
  if (frame.byteOffset % 8 === 0) return new Float64Array(frame.buffer, frame.byteOffset, frame.byteLength / 8);
  return new Float64Array(frame.slice().buffer);
}
