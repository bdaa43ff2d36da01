/**
 * worker PUSH → record-processor PULL: a batch of raw captures (RawRecord) and their bytes.
 *
 * Version 2 (this file) sends a capture's numbers as float64s and only the rest as JSON: a
 * streamed reply's ~40–50 arrival times (17-digit nanosecond stamps) and its byte counts were two
 * thirds of the JSON, written as text by the worker and read back by the record processor. Frames:
 *   0  header: "arw" and the version byte
 *   1  JSON: the records without the fields in NUMBERS, chunkNs and chunkBytes
 *   2  float64s: per record, the SLOTS numbers in order, then chunkNs, then chunkBytes (the count is slot 7)
 *   3  the bytes of every record's reads, back to back, in record order
 * A float64 carries every number as JSON did (JSON writes a double's shortest exact form); null or
 * absent is NaN. Version 1 (two frames: the whole RawRecord[] as JSON, then the bytes) is still
 * read, from a worker node of an older build.
 */
import { decodeJson, type RawRecord } from "./pipeline.ts";

const VERSION = 2;
const HEADER = Uint8Array.of(0x61, 0x72, 0x77, VERSION);
const SLOTS = 8;

/** The record without its numbered fields: what goes as JSON. */
type Rest = Omit<RawRecord, "intendedNs" | "readyNs" | "startNs" | "ackNs" | "endNs" | "wallStartNs" | "cancellationNs" | "chunkNs" | "chunkBytes">;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A batch: the records, and every record's chunk bytes back to back in order (never JSON-escaped). */
type RawBatch = { records: RawRecord[]; bytes: Uint8Array };

/** The frames of a batch (version 2). */
export function encodeRawBatch({ records, bytes }: RawBatch): Uint8Array[] {
  return [...encodeRawBatchHead(records), bytes];
}

/**
 * A batch's frames but the last, the records' bytes, which a sender may gather from the replies'
 * reads as it writes them (BusSocket.sendGathered): the bytes of records[0], then records[1]'s, …
 */
export function encodeRawBatchHead(records: readonly RawRecord[]): Uint8Array[] {
  let count = 0;
  for (const r of records) count += SLOTS + 2 * r.chunkNs.length;
  const numbers = new Float64Array(count);
  const rests: Rest[] = new Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const { intendedNs, readyNs, startNs, ackNs, endNs, wallStartNs, cancellationNs, chunkNs, chunkBytes, ...rest } = records[i] as RawRecord;
    const n = chunkNs.length;
    if (chunkBytes.length !== n) throw new Error(`raw batch: a record with ${n} arrival times and ${chunkBytes.length} byte counts`);
    numbers[at] = intendedNs;
    numbers[at + 1] = readyNs ?? Number.NaN;
    numbers[at + 2] = startNs;
    numbers[at + 3] = ackNs ?? Number.NaN;
    numbers[at + 4] = endNs;
    numbers[at + 5] = wallStartNs;
    numbers[at + 6] = cancellationNs ?? Number.NaN;
    numbers[at + 7] = n;
    at += SLOTS;
    for (let k = 0; k < n; k++) {
      numbers[at + k] = chunkNs[k] as number;
      numbers[at + n + k] = chunkBytes[k] as number;
    }
    at += 2 * n;
    rests[i] = rest;
  }
  return [HEADER, encoder.encode(JSON.stringify(rests)), new Uint8Array(numbers.buffer)];
}

/** Splits a batch (version 2, or version 1's [JSON, bytes]) back into records, each with its chunk byte views. */
export function decodeRawBatch(frames: readonly Uint8Array[]): { record: RawRecord; chunks: Uint8Array[] }[] {
  const { records, bytes } = isVersion2(frames)
    ? decodeVersion2(frames)
    : { records: decodeJson<RawRecord[]>(frames[0]), bytes: frames[1] ?? new Uint8Array(0) };
  let at = 0;
  return records.map((record) => {
    const chunks = record.chunkBytes.map((n) => {
      const c = bytes.subarray(at, at + n);
      at += n;
      return c;
    });
    return { record, chunks };
  });
}

function isVersion2(frames: readonly Uint8Array[]): boolean {
  const h = frames[0];
  return frames.length === 4 && h !== undefined && h.length === HEADER.length && h[0] === 0x61 && h[1] === 0x72 && h[2] === 0x77 && h[3] === VERSION;
}

/** The records of a version 2 batch, with their numbers back in place, and the bytes frame. Throws on a malformed batch. */
function decodeVersion2(frames: readonly Uint8Array[]): RawBatch {
  const rests = JSON.parse(decoder.decode(frames[1])) as Rest[];
  if (!Array.isArray(rests)) throw new Error("raw batch: the record frame is not a JSON array");
  const numbers = float64s(frames[2] as Uint8Array);
  const records: RawRecord[] = new Array(rests.length);
  let at = 0;
  for (let i = 0; i < rests.length; i++) {
    if (at + SLOTS > numbers.length) throw new Error("raw batch: fewer numbers than records");
    const n = numbers[at + 7] as number;
    if (!Number.isInteger(n) || n < 0 || at + SLOTS + 2 * n > numbers.length) throw new Error("raw batch: fewer arrival times than counted");
    // push: packed arrays of doubles (a holey new Array(n) is slower to fill and to read).
    const chunkNs: number[] = [];
    const chunkBytes: number[] = [];
    const from = at + SLOTS;
    for (let k = from; k < from + n; k++) chunkNs.push(numbers[k] as number);
    for (let k = from + n; k < from + 2 * n; k++) chunkBytes.push(numbers[k] as number);
    const rest = rests[i] as Rest;
    // The fields in the worker's order, so every record has the same shape and key order.
    const record = {
      creditId: rest.creditId,
      phase: rest.phase,
      sessionNum: rest.sessionNum,
      conversation: rest.conversation,
      turn: rest.turn,
      xRequestId: rest.xRequestId,
      xCorrelationId: rest.xCorrelationId,
      workerId: rest.workerId,
      intendedNs: numbers[at] as number,
    } as RawRecord;
    const readyNs = numbers[at + 1] as number;
    if (!Number.isNaN(readyNs)) record.readyNs = readyNs;
    record.startNs = numbers[at + 2] as number;
    record.ackNs = nullable(numbers[at + 3] as number);
    record.endNs = numbers[at + 4] as number;
    record.wallStartNs = numbers[at + 5] as number;
    record.status = rest.status;
    record.statusText = rest.statusText;
    record.contentType = rest.contentType;
    record.chunkNs = chunkNs;
    record.chunkBytes = chunkBytes;
    record.error = rest.error;
    record.wasCancelled = rest.wasCancelled;
    record.cancellationNs = nullable(numbers[at + 6] as number);
    if (rest.retriedAfter !== undefined) record.retriedAfter = rest.retriedAfter;
    if (rest.sendTrace !== undefined) record.sendTrace = rest.sendTrace;
    records[i] = record;
    at += SLOTS + 2 * n;
  }
  if (at !== numbers.length) throw new Error("raw batch: more numbers than records");
  return { records, bytes: frames[3] as Uint8Array };
}

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** The frame as float64s: a view when it is aligned (a received frame may sit anywhere in a read), else a copy. */
function float64s(frame: Uint8Array): Float64Array {
  if (frame.byteLength % 8 !== 0) throw new Error(`raw batch: a number frame of ${frame.byteLength} bytes`);
  if (frame.byteOffset % 8 === 0) return new Float64Array(frame.buffer, frame.byteOffset, frame.byteLength / 8);
  return new Float64Array(frame.slice().buffer);
}
