/**
 * The raw batch (worker → record processor, src/protocol/raw-batch.ts through pipeline.ts): every
 * record and its bytes come out as version 1's JSON gave them, in the same key order, whatever
 * fields it has; version 1 is still read; a batch that is not one is refused rather than misread.
 */
import { describe, expect, test } from "bun:test";
import { encodeJson, type RawRecord } from "../../src/protocol/pipeline.ts";
import { decodeRawBatch, encodeRawBatch } from "../../src/protocol/raw-batch.ts";
import { rawRecord } from "../replies/support.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function record(over: Partial<RawRecord>): RawRecord {
  return rawRecord({
    xRequestId: "r",
    xCorrelationId: "c",
    intendedNs: 1_000_123_456_789.5,
    startNs: 1_000_123_457_000.25,
    ackNs: 1_000_123_458_000,
    endNs: 1_000_123_459_000,
    wallStartNs: 1_764_000_000_123_456_800,
    ...over,
  });
}

/** Records with every optional and nullable field both ways, odd stamps, and their bodies. */
function varied(): { records: RawRecord[]; bodies: string[][] } {
  const bodies = [["data: a\n\n", "data: bb\n\n", "data: [DONE]\n\n"], [], ['{"x":1}'], ["é😀", "中"]];
  const n = (b: string[]) => ({ chunkNs: b.map((_, i) => 2_000_000_000_000 + i * 1_000_003.7), chunkBytes: b.map((s) => te.encode(s).length) });
  const records = [
    record({ creditId: 7, readyNs: 1_000_123_456_999.125, ...n(bodies[0] as string[]) }),
    record({
      creditId: 8,
      phase: "warmup",
      ackNs: null,
      status: null,
      statusText: "",
      contentType: "",
      error: { code: 499, type: "RequestCancellationError", message: "cut" },
      wasCancelled: true,
      cancellationNs: 1_000_200_000_000,
      ...n(bodies[1] as string[]),
    }),
    record({
      creditId: 9,
      status: 500,
      statusText: "Internal Server Error",
      retriedAfter: { startNs: 999_999_999_999, error: { code: null, type: "ECONNRESET", message: "reset" } },
      ...n(bodies[2] as string[]),
    }),
    record({
      creditId: 10,
      sessionNum: 3,
      conversation: 5,
      turn: 2,
      intendedNs: 0,
      // AIPERF_SEND_TRACE=1: bench:timing --trace reads it from the records it taps.
      sendTrace: { issuedNs: 1_000_000_000_000, readNs: 1_000_000_050_000, decodedNs: 1_000_000_060_000, dueNs: 1_000_000_090_000, builtNs: 1_000_000_095_000 },
      ...n(bodies[3] as string[]),
    }),
  ];
  return { records, bodies };
}

/** The frames as the bus hands them: copies that may sit at any offset of a read. */
function received(frames: Uint8Array[], offset: number): Uint8Array[] {
  return frames.map((f) => {
    const buf = new Uint8Array(f.byteLength + offset);
    buf.set(f, offset);
    return buf.subarray(offset);
  });
}

const bytesOf = (bodies: string[][]): Uint8Array => te.encode(bodies.flat().join(""));

describe("raw batch, version 2", () => {
  test("records and bytes decode to what version 1's JSON gave, key order included, at any alignment", () => {
    const { records, bodies } = varied();
    const viaJson = JSON.parse(JSON.stringify(records)) as RawRecord[];
    for (const offset of [0, 1, 3, 8]) {
      const items = decodeRawBatch(received(encodeRawBatch({ records, bytes: bytesOf(bodies) }), offset));
      expect(items.map((i) => i.record)).toEqual(viaJson);
      for (const [k, item] of items.entries()) {
        expect(Object.keys(item.record)).toEqual(Object.keys(viaJson[k] as object));
        expect(item.chunks.map((c) => td.decode(c))).toEqual(bodies[k] as string[]);
      }
    }
  });

  test("stamps are carried exactly, not rounded through text", () => {
    const r = record({ chunkNs: [1_764_000_000_123_456_800, 123.456_789_012_345, Number.MAX_SAFE_INTEGER], chunkBytes: [1, 0, 2] });
    const [item] = decodeRawBatch(encodeRawBatch({ records: [r], bytes: te.encode("abc") }));
    expect(item?.record.chunkNs).toEqual(r.chunkNs);
    expect(item?.chunks.map((c) => td.decode(c))).toEqual(["a", "", "bc"]);
  });

  test("an empty batch, and version 1's [JSON, bytes] frames", () => {
    expect(decodeRawBatch(encodeRawBatch({ records: [], bytes: new Uint8Array(0) }))).toEqual([]);
    const { records, bodies } = varied();
    const items = decodeRawBatch([encodeJson(records), bytesOf(bodies)]);
    expect(items.map((i) => i.record)).toEqual(JSON.parse(JSON.stringify(records)));
    expect(items.map((i) => i.chunks.map((c) => td.decode(c)))).toEqual(bodies);
  });

  test("a batch that is not one is refused with a reason", () => {
    const { records, bodies } = varied();
    const frames = encodeRawBatch({ records, bytes: bytesOf(bodies) });
    const numbers = frames[2] as Uint8Array;
    expect(() => decodeRawBatch([frames[0], frames[1], numbers.subarray(0, numbers.length - 8), frames[3]] as Uint8Array[])).toThrow(/raw batch/);
    expect(() => decodeRawBatch([frames[0], frames[1], numbers.subarray(0, numbers.length - 3), frames[3]] as Uint8Array[])).toThrow(/raw batch/);
    expect(() => decodeRawBatch([frames[0], frames[1], new Uint8Array([...numbers, 0, 0, 0, 0, 0, 0, 0, 0]), frames[3]] as Uint8Array[])).toThrow(/raw batch/);
    expect(() => decodeRawBatch([frames[0], te.encode("{}"), numbers, frames[3]] as Uint8Array[])).toThrow(/raw batch/);
    expect(() => encodeRawBatch({ records: [record({ chunkNs: [1], chunkBytes: [] })], bytes: new Uint8Array(0) })).toThrow(/raw batch/);
  });
});
