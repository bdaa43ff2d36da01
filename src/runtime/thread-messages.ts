/** What a service thread and the controller say to each other (service-thread.ts, thread-main.ts). */
import type { ServiceSpec } from "./context.ts";

/** What the thread finds in workerData. */
export type ServiceThreadData = { service: ServiceSpec };
/** What a thread started before its spec existed finds in workerData (thread-prestart.ts): the service it will be, and whether it loads the builtin tokenizer meanwhile. */
export type PrestartData = { prestart: { role: string; id: string; tokenizer: boolean } };

/**
 * Controller → thread. "crash": a test hook (controller/launchers.ts AIPERF_TEST_CRASH_THREAD) that
 * makes the thread fail as a crashing role would. "start": a prestarted thread's spec, and the
 * environment a thread started now would get.
 */
export type ToThread = { type: "stop" } | { type: "crash" } | { type: "start"; data: ServiceThreadData; env: Record<string, string> };
/** Thread → controller: a log line (the same JSON a child writes on stderr), why it failed, or (a prestarted thread) that it listens for "start". */
export type FromThread = { type: "log"; line: string } | { type: "failed"; message: string } | { type: "listening" };
