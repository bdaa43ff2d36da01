/**
 * inputs.json written in the same pass as dataset.bin, in serving order (stably by first
 * timestamp, untimed first), so dataset.bin need not be read back. The last WINDOW conversations
 * are held and written smallest first, which puts a trace that is in order, or out of order only
 * locally (a line a few hundred lines early), in order. A conversation that would have to go
 * before one already written, or a turn joining a written conversation, gives up: the partial
 * file is dropped and the caller writes inputs.json from dataset.bin.
 */
import { createInputsJsonWriter, type InputsJsonWriter, type InputsPayload } from "./inputs-file.ts";

/** Conversations held back at most, and the bytes of their copied payloads. */
const WINDOW = 256;
const WINDOW_BYTES = 64 << 20;

export type InOrderInputs = {
  /** Conversation `c` starts (c counts up from 0); `timestampMs` is its first turn's (undefined: none). */
  conversation(c: number, id: string, timestampMs: number | undefined): void;
  /** The next payload of conversation `c`; compact bytes are copied, indented parts kept. */
  payload(c: number, payload: InputsPayload): void;
  /** Null, or a promise to wait for before going on: writes are in flight (append-file.ts). */
  ready(): Promise<void> | null;
  /** Completes the file; false when it was given up (write it from dataset.bin). */
  finish(): Promise<boolean>;
  abort(): Promise<void>;
  /** True once given up: events after that are ignored. */
  readonly givenUp: boolean;
};

type Held = { c: number; id: string; key: number; payloads: InputsPayload[]; bytes: number };

/** Serving order: by key, then by start. */
const before = (a: Held, b: Held): boolean => a.key < b.key || (a.key === b.key && a.c < b.c);

export function createInOrderInputs(path: string, window = WINDOW, windowBytes = WINDOW_BYTES): InOrderInputs {
  let writer: InputsJsonWriter | null = createInputsJsonWriter(path);
  const held = new Map<number, Held>();
  const heap: Held[] = [];
  let heldBytes = 0;
  let lastKey = Number.NEGATIVE_INFINITY;
  // The partial file's removal, once given up.
  let removed: Promise<void> = Promise.resolve();
  const push = (h: Held): void => {
    let i = heap.push(h) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h, heap[parent] as Held)) break;
      heap[i] = heap[parent] as Held;
      i = parent;
    }
    heap[i] = h;
  };
  const pop = (): Held => {
    const top = heap[0] as Held;
    const last = heap.pop() as Held;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heap.length) break;
        if (child + 1 < heap.length && before(heap[child + 1] as Held, heap[child] as Held)) child++;
        if (!before(heap[child] as Held, last)) break;
        heap[i] = heap[child] as Held;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  };
  const writeFirst = (): void => {
    const h = pop();
    held.delete(h.c);
    heldBytes -= h.bytes;
    lastKey = h.key;
    (writer as InputsJsonWriter).entry(h.id, h.payloads);
  };
  let givenUp = false;
  const giveUp = (): void => {
    givenUp = true;
    if (writer !== null) removed = writer.abort();
    writer = null;
    held.clear();
    heap.length = 0;
  };
  return {
    conversation(c, id, timestampMs) {
      if (writer === null) return;
      const key = timestampMs ?? Number.NEGATIVE_INFINITY;
      // Equal keys are fine: a later start goes after the ones written.
      if (key < lastKey) return giveUp();
      const h: Held = { c, id, key, payloads: [], bytes: 0 };
      held.set(c, h);
      push(h);
      if (heap.length > window) writeFirst();
    },
    payload(c, payload) {
      if (writer === null) return;
      const h = held.get(c);
      if (h === undefined) return giveUp();
      const copy = payload instanceof Uint8Array ? payload.slice() : payload;
      h.payloads.push(copy);
      if (copy instanceof Uint8Array) {
        h.bytes += copy.length;
        heldBytes += copy.length;
      }
      while (heldBytes > windowBytes && heap.length > 0) writeFirst();
    },
    ready: () => writer?.ready() ?? null,
    async finish() {
      if (writer === null) {
        await removed;
        return false;
      }
      while (heap.length > 0) writeFirst();
      await writer.close();
      writer = null;
      return true;
    },
    async abort() {
      giveUp();
      await removed;
    },
    get givenUp() {
      return givenUp;
    },
  };
}
