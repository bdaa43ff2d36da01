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
import type { FromThread, PrestartData, ServiceThreadData, ToThread } from "./thread-messages.ts";

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

/**
 * A thread started before its spec (thread-prestart.ts): loads its role's code, and the builtin
 * tokenizer if asked, while the controller reads the flags; then takes the environment a thread
 * started now would have and runs the service from the "start" message as runServiceThread does.
 * A warm-up failure is left for the service to meet again (and report) when it loads the same.
 */
export async function runPrestartedThread({ prestart }: PrestartData, loadRole: RoleLoader): Promise<void> {
  const start = new Promise<Extract<ToThread, { type: "start" }>>((resolve) => {
    const onMessage = (event: MessageEvent<ToThread>): void => {
      if (event.data.type !== "start") return;
      self.removeEventListener("message", onMessage);
      resolve(event.data);
    };
    self.addEventListener("message", onMessage);
  });
  postMessage({ type: "listening" } satisfies FromThread);
  const ignore = (): void => {};
  await Promise.all([
    loadRole(prestart.role)?.catch(ignore),
    prestart.tokenizer ? import("../tokenizer/builtin.ts").then((m) => m.loadBuiltinTokenizer()).catch(ignore) : undefined,
  ]);
  const { data, env } = await start;
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(env, key)) delete process.env[key];
  Object.assign(process.env, env);
  await runServiceThread(data, loadRole);
}
