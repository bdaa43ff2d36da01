/**
 * A service thread started before its spec exists. `aiperf profile` spends its first ~40 ms on one
 * core loading the CLI and reading the flags; the dataset service, whose synthesis is the longest
 * step before the first request, then needed another 45–80 ms (on a busy box) to start a
 * JavaScript runtime on its thread and load its code, and ~20 ms more for the builtin tokenizer.
 * Started by src/main.ts at once, the thread does both on the idle core meanwhile, then waits for
 * the spec and environment the supervisor hands it (service-thread.ts takes it instead of starting
 * a new one; thread-main.ts runs it).
 *
 * Never taken (a config error), it ends with the process: it is unref'd until taken. A study, whose
 * runs are processes of their own, terminates it (cli/profile.ts).
 */
import { selfEntry } from "../core/self.ts";
import type { FromThread, PrestartData } from "./thread-messages.ts";

/** `listening`: settles when the thread listens for its "start" (a message sent before would be lost). */
type Prestarted = { worker: Worker; listening: Promise<void> };
type Held = Prestarted & { role: string; id: string; failed: boolean };

let held: Held | undefined;

/** Starts the thread of service `role`:`id` now (once per process); `tokenizer`: it loads the builtin tokenizer too. */
export function prestartServiceThread(role: string, id: string, tokenizer: boolean): void {
  if (held !== undefined) return;
  const data: PrestartData = { prestart: { role, id, tokenizer } };
  const worker = new Worker(selfEntry(), { name: `${role}:${id}`, workerData: data } as WorkerOptions);
  let listened!: () => void;
  const h: Held = { role, id, worker, failed: false, listening: new Promise((resolve) => (listened = resolve)) };
  worker.addEventListener("message", (event: MessageEvent<FromThread>) => {
    if (event.data.type === "listening") listened();
  });
  // Failed before it was taken: dropped, and the supervisor starts a fresh thread.
  worker.addEventListener("error", (event: ErrorEvent) => {
    event.preventDefault();
    h.failed = true;
  });
  worker.addEventListener("close", () => (h.failed = true));
  worker.unref();
  held = h;
}

/** The prestarted thread of `role`:`id`, if one is alive; taken once. The caller sends it "start" once it listens. */
export function takePrestartedThread(role: string, id: string): Prestarted | undefined {
  const h = held;
  if (h === undefined || h.role !== role || h.id !== id) return undefined;
  held = undefined;
  if (h.failed) {
    h.worker.terminate();
    return undefined;
  }
  h.worker.ref();
  return { worker: h.worker, listening: h.listening };
}
