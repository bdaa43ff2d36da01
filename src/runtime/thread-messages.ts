/** What a service thread and the controller say to each other (service-thread.ts, thread-main.ts). */
import type { ServiceSpec } from "./context.ts";

/** What the thread finds in workerData. */
export type ServiceThreadData = { service: ServiceSpec };

/** Controller → thread. "crash": a test hook (controller/launchers.ts AIPERF_TEST_CRASH_THREAD) that makes the thread fail as a crashing role would. */
export type ToThread = { type: "stop" } | { type: "crash" };
/** Thread → controller: a log line (the same JSON a child writes on stderr), or why it failed. */
export type FromThread = { type: "log"; line: string } | { type: "failed"; message: string };
