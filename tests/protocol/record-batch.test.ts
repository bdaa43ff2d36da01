/**
 * The record batch (record-processor → records, src/protocol/record-batch.ts): every record comes
 * out as the JSON encoding of version 1 gave it, whatever fields it has, and a batch that is not
 * one is refused rather than misread.
 */
import { describe, expect, test } from "bun:test";
import { decodeRecordBatch, encodeRecordBatch, type RecordBatch } from "../../src/protocol/record-batch.ts";
import { variedRecords } from "./record-fixtures.ts";

/** What version 1 handed the records service: the batch through JSON. */
const viaJson = (batch: RecordBatch): RecordBatch => JSON.parse(JSON.stringify(batch));

/** The frames as the bus hands them: copies that may sit at any offset of a read. */
function received(frames: Uint8Array[], offset: number): Uint8Array[] {
  return frames.map((f) => {
    const buf = new Uint8Array(f.byteLength + offset);
    buf.set(f, offset);
    return buf.subarray(offset);
  });
}

describe("record batch, version 2", () => {
  test("every record decodes to what JSON gave, at any frame alignment", () => {
    const batch: RecordBatch = { processor: "record-processor:3", records: variedRecords() };
    for (const offset of [0, 1, 3, 8]) {
      const decoded = decodeRecordBatch(received(encodeRecordBatch(batch), offset));
      expect(decoded).toEqual(viaJson(batch));
      // Absent stays absent (not a key holding undefined), so `in` and spreads see the same record.
      for (const [i, r] of decoded.records.entries()) expect(Object.keys(r).sort()).toEqual(Object.keys(viaJson(batch).records[i] as object).sort());
    }
  });

  test("an empty batch, and a reader of version 1's single JSON frame", () => {
    expect(decodeRecordBatch(encodeRecordBatch({ processor: "p", records: [] }))).toEqual({ processor: "p", records: [] });
    const batch: RecordBatch = { processor: "p", records: variedRecords() };
    expect(decodeRecordBatch([new TextEncoder().encode(JSON.stringify(batch))])).toEqual(viaJson(batch));
  });

  test("a batch that is not one is refused with a reason", () => {
    const frames = encodeRecordBatch({ processor: "p", records: variedRecords() });
    const [header, json, numbers] = frames as [Uint8Array, Uint8Array, Uint8Array];
    expect(() => decodeRecordBatch([Uint8Array.of(0x61, 0x72, 0x62, 9), json, numbers])).toThrow("not a record batch of version 2");
    expect(() => decodeRecordBatch([header, json])).toThrow("not a record batch");
    expect(() => decodeRecordBatch([header, json, numbers.subarray(0, numbers.length - 8)])).toThrow("fewer");
    expect(() => decodeRecordBatch([header, json, numbers.subarray(0, numbers.length - 3)])).toThrow("number frame of");
    const more = new Uint8Array(numbers.length + 8);
    more.set(numbers);
    expect(() => decodeRecordBatch([header, json, more])).toThrow("more numbers than records");
  });
});
