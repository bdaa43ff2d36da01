/**
 * The thread's side of a service hosted as a thread of the controller (service-thread.ts is the
 * controller's side): src/main.ts calls runServiceThread when it is not the main thread and its
 * workerData names a service. It imports only what a service child imports (the child logger,
 * the bus, the runtime), not the controller's logger.
 */
import { setBusLogger } from "../bus/index.ts";
import { createChildLogger } from "../core/child-log.ts";
import { serviceName } from "./context.ts";
import { type RoleLoader, runServiceToExit } from "./service-runtime.ts";
import type { FromThread, ServiceThreadData, ToThread } from "./thread-messages.ts";

declare const self: Worker;

/** The thread's side: runs the role from workerData, then ends the thread with 0, or 1 if it failed. */
export async function runServiceThread(data: ServiceThreadData, loadRole: RoleLoader): Promise<void> {
  const spec = data.service;
  const reply = (message: FromThread): void => postMessage(message);
  const log = createChildLogger(spec.logLevel, serviceName(spec.role, spec.id), (line) => reply({ type: "log", line }));
  setBusLogger({ warn: (m) => log.warn(m), debug: (m) => log.debug(m) });
  const stop = new AbortController();
  // An error nothing caught ends the thread as it would end a child: reported, exit code 1. (Bun
  // would report it to the controller's side too, but not in every host: under `bun test` the
  // thread just closed with 0.)
  const crashed = (error: unknown): void => {
    reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  };
  process.on("uncaughtException", crashed);
  process.on("unhandledRejection", crashed);
  self.addEventListener("message", (event: MessageEvent<ToThread>) => {
    if (event.data.type === "stop") stop.abort();
    else
      setTimeout(() => {
        throw new Error("crashed on purpose (AIPERF_TEST_CRASH_THREAD, a test hook)");
      }, 0);
  });
  await runServiceToExit(spec, loadRole, { log, signal: stop.signal }, (error) =>
    reply({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
  );
}
