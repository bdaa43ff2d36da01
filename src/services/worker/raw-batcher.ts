/**
 * Collects raw records into RawBatch messages: one message per FLUSH_RECORDS records or per
 * FLUSH_MS, never one per request (DESIGN.md "Records: batch many records per message"). Each
 * message is a socket write that wakes a record processor, which costs both processes more than
 * the bytes do: FLUSH_MS is 20 ms (was 10; a record reaches the records service ≤ 10 ms later).
 *
 * The replies' bytes are not gathered here: the batch's last frame goes as its parts
 * (BusSocket.sendGathered), which a ZMTP connection copies into its write buffer as it writes. A
 * buffer of the batch's own was a second copy of every byte, and at a wave's first end (64
 * streams ending together at the demo's load with --concurrency 64, ~830 KB) fresh memory:
 * ~200 page faults, 3–9 ms of the worker's loop on the 2-core VM this was measured on
 * (docs/client-efficiency.md, "The fourteenth pass").
 */
import type { RawRecord } from "../../protocol/pipeline.ts";
import { encodeRawBatchHead } from "../../protocol/raw-batch.ts";

export const FLUSH_RECORDS = 64;
export const FLUSH_MS = 20;

export class RawBatcher {
  #records: RawRecord[] = [];
  #chunks: Uint8Array[] = [];
  #timer: Timer | undefined;
  #send: (frames: Uint8Array[], bytes: Uint8Array[]) => void;
  batches = 0;

  /** `send` gets each batch's frames and the parts of its last frame (the replies' bytes, in order); it must not throw. */
  constructor(send: (frames: Uint8Array[], bytes: Uint8Array[]) => void) {
    this.#send = send;
  }

  get pending(): number {
    return this.#records.length;
  }

  add(record: RawRecord, chunks: readonly Uint8Array[]): void {
    this.#records.push(record);
    for (const c of chunks) this.#chunks.push(c);
    if (this.#records.length >= FLUSH_RECORDS) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#records.length === 0) return;
    const records = this.#records;
    const chunks = this.#chunks;
    this.#records = [];
    this.#chunks = [];
    this.batches++;
    this.#send(encodeRawBatchHead(records), chunks);
  }
}
