/**
 * Collects raw records into RawBatch messages: one message per FLUSH_RECORDS records or per
 * FLUSH_MS, never one per request (DESIGN.md "Records: batch many records per message"). Each
 * message is a socket write that wakes a record processor, which costs both processes more than
 * the bytes do: FLUSH_MS is 20 ms (was 10; a record reaches the records service ≤ 10 ms later).
 *
 * The replies' bytes are gathered into one buffer kept from batch to batch: `send` must be done
 * with the frames when it returns (BusSocket.sendReusing). A fresh buffer per batch was fresh
 * memory to fault in: ~1 MB, 1.3–4 ms of the worker's loop, when 64 streams end together.
 */
import type { RawRecord } from "../../protocol/pipeline.ts";
import { encodeRawBatch } from "../../protocol/raw-batch.ts";

export const FLUSH_RECORDS = 64;
export const FLUSH_MS = 20;
/** A batch's buffer larger than this (huge replies) is not kept for the next one. */
const KEEP_BYTES = 8 << 20;

export class RawBatcher {
  #records: RawRecord[] = [];
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #timer: Timer | undefined;
  #buffer = new Uint8Array(0);
  #send: (frames: Uint8Array[]) => void;
  batches = 0;

  /** `send` gets each batch's frames, and must not keep them or throw. */
  constructor(send: (frames: Uint8Array[]) => void) {
    this.#send = send;
  }

  get pending(): number {
    return this.#records.length;
  }

  add(record: RawRecord, chunks: readonly Uint8Array[]): void {
    this.#records.push(record);
    for (const c of chunks) {
      this.#chunks.push(c);
      this.#bytes += c.byteLength;
    }
    if (this.#records.length >= FLUSH_RECORDS) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#records.length === 0) return;
    const bytes = this.#take(this.#bytes);
    let at = 0;
    for (const c of this.#chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    const records = this.#records;
    this.#records = [];
    this.#chunks = [];
    this.#bytes = 0;
    this.batches++;
    this.#send(encodeRawBatch({ records, bytes }));
  }

  /** `n` bytes of the kept buffer, grown (doubling) when short. Not zero-filled: every byte gets written. */
  #take(n: number): Uint8Array {
    if (n > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(n, Math.min(2 * this.#buffer.length, KEEP_BYTES)));
      if (grown.length > KEEP_BYTES) return grown;
      this.#buffer = grown;
    }
    return this.#buffer.subarray(0, n);
  }
}
