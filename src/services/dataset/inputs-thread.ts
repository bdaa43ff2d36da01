/**
 * inputs.json written on a thread of its own: the same in-order writer (inputs-in-order.ts), run
 * in a Worker (inputs-thread.worker.ts, started through the program's entry so that the compiled
 * binary needs no second entry point) fed with batches of compact events, so that the copying
 * of a multi-GB file (a 1M-line trace makes 3.4 GB) runs on another core while this one reads,
 * synthesises and writes dataset.bin. A spliced payload crosses as numbers (its skeleton's id,
 * its corpus's id and its text's ranges); skeletons and corpora cross once each. Compact payloads
 * are copied into the batch.
 *
 * Events: CONVERSATION c ts idLength (the ids joined into one string: one string is cloned much
 * faster than thousands) · BODY c offset length (in the batch's bytes) · SPLICED c skeleton
 * corpus ranges from,to… The worker answers each batch when it has written it; `ready()` asks the
 * caller to wait while too many batches are outstanding, which bounds the memory they hold.
 */
import { selfEntry } from "../../core/self.ts";
import type { TextSpans } from "../../dataset/loaders/model.ts";
import type { InOrderInputs } from "./inputs-in-order.ts";
import type { InputsPayload } from "./inputs-file.ts";

export const CONVERSATION = 0;
export const BODY = 1;
export const SPLICED = 2;

/** Main → worker. */
export type ToWorker =
  | { type: "start"; path: string; window?: number; windowBytes?: number }
  | {
      type: "batch";
      ops: Float64Array;
      ids: string;
      bytes: Uint8Array;
      skeletons: [number, readonly Uint8Array[]][];
      corpora: [number, Uint8Array][];
      forget: boolean;
    }
  | { type: "finish" }
  | { type: "abort" };

/** Worker → main ("listening": it has its handler, messages sent before are lost). */
export type FromWorker =
  | { type: "listening" }
  | { type: "done" }
  | { type: "gave-up" }
  | { type: "finished"; inOrder: boolean }
  | { type: "aborted" }
  | { type: "failed"; message: string };

/** Events per batch, and bytes of compact payloads per batch, before it is sent. */
const BATCH_OPS = 1 << 15;
const BATCH_BYTES = 4 << 20;
/** Batches sent and not yet written before `ready()` asks the caller to wait. */
const OUTSTANDING = 4;
/** Skeletons remembered by identity before both sides forget them (a splicer renews its cache). */
const MAX_SKELETONS = 1 << 14;

/** createInOrderInputs on a worker thread; `window`/`windowBytes` as there (tests). */
export function createInputsThread(path: string, window?: number, windowBytes?: number): InOrderInputs {
  const worker = new Worker(selfEntry());
  // Held until the worker listens: it loads the program's entry first, asynchronously.
  let held: [ToWorker, ArrayBuffer[]][] | null = [];
  const post = (message: ToWorker, transfer: ArrayBuffer[] = []): void => {
    if (held !== null) held.push([message, transfer]);
    else worker.postMessage(message, transfer);
  };
  let failed: Error | null = null;
  let gaveUp = false;
  let outstanding = 0;
  let wake: (() => void)[] = [];
  let settled: ((message: FromWorker) => void) | null = null;
  const wakeAll = (): void => {
    const woken = wake;
    wake = [];
    for (const resolve of woken) resolve();
  };
  const fail = (error: Error): void => {
    failed ??= error;
    wakeAll();
    settled?.({ type: "failed", message: error.message });
  };
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    if (message.type === "listening") {
      const pending = held ?? [];
      held = null;
      for (const [m, transfer] of pending) worker.postMessage(m, transfer);
    } else if (message.type === "done") {
      outstanding--;
      if (outstanding < OUTSTANDING) wakeAll();
    } else if (message.type === "gave-up") gaveUp = true;
    else if (message.type === "failed") fail(new Error(`inputs.json: ${message.message}`));
    else settled?.(message);
  };
  worker.onerror = (event: ErrorEvent) => fail(new Error(`inputs.json writer thread: ${event.message}`));
  post({ type: "start", path, ...(window === undefined ? {} : { window }), ...(windowBytes === undefined ? {} : { windowBytes }) });

  let ops = new Float64Array(BATCH_OPS + 64);
  let used = 0;
  let ids: string[] = [];
  let bytes = new Uint8Array(BATCH_BYTES);
  let byteCount = 0;
  let newSkeletons: [number, readonly Uint8Array[]][] = [];
  let newCorpora: [number, Uint8Array][] = [];
  let forget = false;
  const skeletonIds = new Map<readonly Uint8Array[], number>();
  const corpusIds = new Map<Uint8Array, number>();
  const room = (n: number): void => {
    if (used + n <= ops.length) return;
    const bigger = new Float64Array(Math.max(ops.length * 2, used + n));
    bigger.set(ops.subarray(0, used));
    ops = bigger;
  };
  const flush = (): void => {
    if (used === 0) return;
    const batch = ops.slice(0, used);
    const body = bytes.slice(0, byteCount);
    post({ type: "batch", ops: batch, ids: ids.join(""), bytes: body, skeletons: newSkeletons, corpora: newCorpora, forget }, [batch.buffer, body.buffer]);
    outstanding++;
    used = 0;
    ids = [];
    byteCount = 0;
    newSkeletons = [];
    newCorpora = [];
    forget = false;
  };
  const flushIfFull = (): void => {
    if (used >= BATCH_OPS || byteCount >= BATCH_BYTES) flush();
  };
  let lastCorpus: [Uint8Array, number] | null = null;
  const skeletonId = (pieces: readonly Uint8Array[]): number => {
    let id = skeletonIds.get(pieces);
    if (id === undefined) {
      if (skeletonIds.size >= MAX_SKELETONS) {
        // The batch so far names old skeletons: it goes first, then both sides start over.
        flush();
        skeletonIds.clear();
        forget = true;
      }
      id = skeletonIds.size;
      skeletonIds.set(pieces, id);
      newSkeletons.push([id, pieces]);
    }
    return id;
  };
  const corpusId = (text: TextSpans): number => {
    // A trace's prompts share one corpus: the last one is asked for again and again.
    if (lastCorpus !== null && lastCorpus[0] === text.bytes) return lastCorpus[1];
    let id = corpusIds.get(text.bytes);
    if (id === undefined) {
      id = corpusIds.size;
      corpusIds.set(text.bytes, id);
      newCorpora.push([id, text.bytes]);
    }
    lastCorpus = [text.bytes, id];
    return id;
  };
  const finished = (): Promise<FromWorker> => new Promise((resolve) => (settled = resolve));
  let closed = false;
  const close = (): void => {
    closed = true;
    worker.terminate();
  };

  return {
    conversation(c, id, timestampMs) {
      if (gaveUp || closed) return;
      room(4);
      ops[used++] = CONVERSATION;
      ops[used++] = c;
      ops[used++] = timestampMs ?? Number.NaN;
      ops[used++] = id.length;
      ids.push(id);
      flushIfFull();
    },
    payload(c, payload: InputsPayload) {
      if (gaveUp || closed) return;
      if (payload instanceof Uint8Array) {
        if (byteCount + payload.length > bytes.length) {
          if (byteCount > 0) flush();
          if (payload.length > bytes.length) bytes = new Uint8Array(payload.length);
        }
        bytes.set(payload, byteCount);
        room(4);
        ops[used++] = BODY;
        ops[used++] = c;
        ops[used++] = byteCount;
        ops[used++] = payload.length;
        byteCount += payload.length;
      } else {
        const at = payload.text.at;
        // The skeleton first: forgetting the old ones must not drop this one's announcement.
        const skeleton = skeletonId(payload.pieces);
        room(5 + at.length);
        ops[used++] = SPLICED;
        ops[used++] = c;
        ops[used++] = skeleton;
        ops[used++] = corpusId(payload.text);
        ops[used++] = at.length;
        for (let k = 0; k < at.length; k++) ops[used++] = at[k] as number;
      }
      flushIfFull();
    },
    ready() {
      if (failed !== null) return Promise.reject(failed);
      if (outstanding < OUTSTANDING) return null;
      return new Promise<void>((resolve, reject) => wake.push(() => (failed === null ? resolve() : reject(failed))));
    },
    async finish() {
      if (failed !== null) {
        close();
        throw failed;
      }
      flush();
      const done = finished();
      post({ type: "finish" });
      const message = await done;
      close();
      if (message.type === "failed") throw failed ?? new Error(`inputs.json: ${message.message}`);
      if (message.type !== "finished") throw new Error(`inputs.json writer thread: unexpected ${message.type}`);
      return message.inOrder;
    },
    async abort() {
      if (closed) return;
      if (failed !== null) return close();
      const done = finished();
      post({ type: "abort" });
      await done;
      close();
    },
    get givenUp() {
      return gaveUp;
    },
  };
}
