/**
 * The worker side of inputs-thread.ts: rebuilds each event's payload and hands it to the
 * in-order writer, one batch at a time, answering each batch once written.
 */
import { createInOrderInputs, type InOrderInputs } from "./inputs-in-order.ts";
import { BODY, CONVERSATION, type FromWorker, SPLICED, type ToWorker } from "./inputs-thread.ts";

declare const self: Worker;

let inputs: InOrderInputs | null = null;
let toldGivenUp = false;
const skeletons = new Map<number, readonly Uint8Array[]>();
const corpora = new Map<number, Buffer>();
const reply = (message: FromWorker): void => self.postMessage(message);

async function handle(message: ToWorker): Promise<void> {
  if (message.type === "start") {
    inputs = createInOrderInputs(message.path, message.window, message.windowBytes);
    return;
  }
  const writer = inputs as InOrderInputs;
  if (message.type === "finish") {
    const inOrder = await writer.finish();
    return reply({ type: "finished", inOrder });
  }
  if (message.type === "abort") {
    await writer.abort();
    return reply({ type: "aborted" });
  }
  if (message.forget) skeletons.clear();
  for (const [id, pieces] of message.skeletons) skeletons.set(id, pieces);
  for (const [id, bytes] of message.corpora) corpora.set(id, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { ops, ids, bytes } = message;
  let idAt = 0;
  for (let i = 0; i < ops.length; ) {
    const op = ops[i] as number;
    const c = ops[i + 1] as number;
    if (op === CONVERSATION) {
      const ts = ops[i + 2] as number;
      const length = ops[i + 3] as number;
      writer.conversation(c, ids.slice(idAt, idAt + length), Number.isNaN(ts) ? undefined : ts);
      idAt += length;
      i += 4;
    } else if (op === BODY) {
      const at = ops[i + 2] as number;
      writer.payload(c, bytes.subarray(at, at + (ops[i + 3] as number)));
      i += 4;
    } else if (op === SPLICED) {
      const n = ops[i + 4] as number;
      const at = ops.subarray(i + 5, i + 5 + n);
      writer.payload(c, {
        pieces: skeletons.get(ops[i + 2] as number) as readonly Uint8Array[],
        text: { bytes: corpora.get(ops[i + 3] as number) as Buffer, at },
      });
      i += 5 + n;
    } else throw new Error(`unknown event ${op}`);
    const wait = writer.ready();
    if (wait !== null) await wait;
  }
  // Given up (out of order past the window): the caller stops sending and writes it from dataset.bin.
  if (writer.givenUp && !toldGivenUp) {
    toldGivenUp = true;
    reply({ type: "gave-up" });
  }
  reply({ type: "done" });
}

let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue
    .then(() => handle(event.data))
    .catch((error: unknown) => reply({ type: "failed", message: error instanceof Error ? error.message : String(error) }));
};
reply({ type: "listening" });
