/**
 * A service as a thread of the controller's process: a Bun Worker that loads the program's entry
 * (src/main.ts, which runs `runServiceThread` when it is not the main thread and its workerData
 * names a service), then runs the role exactly as a child process would: it connects to the same
 * bus endpoints (ipc://, real sockets), registers, answers commands and sends heartbeats from its
 * own event loop. What it saves is a process: a thread shares the binary's pages and the runtime
 * already started, so it adds only its own heap (a child is ~45 MiB of shared pages in RSS and
 * 50–70 ms of CPU before it registers).
 *
 * Differences from a child, and how they are covered: its log lines come to the controller as
 * messages (the same JSON lines a child writes on stderr); signals are the process's, handled by
 * the controller alone (a child ignores them anyway); it cannot outlive the controller; a crash
 * (an uncaught error, or a role that throws) ends the thread, not the process, and is reported to
 * the supervisor as a child's exit with code 1 is; SIGKILL is `terminate()`.
 */
import type { ConsolaInstance } from "consola";
import { setBusLogger } from "../bus/index.ts";
import { createChildLogger } from "../core/child-log.ts";
import { forwardChildLine } from "../core/log.ts";
import { selfEntry } from "../core/self.ts";
import { PLUGIN_ROLES, type ServiceSpec, serviceName } from "./context.ts";
import { type RoleLoader, runService } from "./service-runtime.ts";

declare const self: Worker;

/** What the thread finds in workerData. */
export type ServiceThreadData = { service: ServiceSpec };

/** Controller → thread. "crash": a test hook (controller/launchers.ts AIPERF_TEST_CRASH_THREAD) that makes the thread fail as a crashing role would. */
type ToThread = { type: "stop" } | { type: "crash" };
/** Thread → controller: a log line (the same JSON a child writes on stderr), or why it failed. */
type FromThread = { type: "log"; line: string } | { type: "failed"; message: string };

export type ServiceThread = {
  /** Settles when the thread has ended; `reason` says why when it failed. */
  exited: Promise<{ code: number | null; reason?: string }>;
  /** As shutdown would: the role stops, the thread ends. */
  stop(): void;
  /** At once, whatever it is doing (a child's SIGKILL). */
  terminate(): void;
  /** Test hook: an uncaught error inside the thread. */
  crash(): void;
};

/** Starts the service on a new thread of this process; its log lines go to `log` under its name. (JavaScriptCore's small heap, `smol`, saved nothing measurable.) */
export function startServiceThread(spec: ServiceSpec, log: ConsolaInstance, env: Record<string, string> = {}): ServiceThread {
  const name = serviceName(spec.role, spec.id);
  const data: ServiceThreadData = { service: spec };
  const worker = new Worker(selfEntry(), { name, workerData: data, env: { ...process.env, ...env } } as WorkerOptions);
  let failure: string | undefined;
  let settle!: (info: { code: number | null; reason?: string }) => void;
  const exited = new Promise<{ code: number | null; reason?: string }>((resolve) => (settle = resolve));
  worker.addEventListener("message", (event: MessageEvent<FromThread>) => {
    const message = event.data;
    if (message.type === "log") forwardChildLine(log, message.line, name);
    else failure ??= message.message;
  });
  worker.addEventListener("error", (event: ErrorEvent) => {
    event.preventDefault();
    failure ??= event.message;
  });
  worker.addEventListener("close", (event: Event) => {
    const code = (event as Event & { code?: number }).code ?? null;
    settle(code === 0 || failure === undefined ? { code } : { code, reason: `Service "${name}" (a thread of the controller) failed: ${failure}` });
  });
  const post = (message: ToThread): void => {
    try {
      worker.postMessage(message);
    } catch {
      // Already ended.
    }
  };
  return {
    exited,
    stop: () => post({ type: "stop" }),
    terminate: () => worker.terminate(),
    crash: () => post({ type: "crash" }),
  };
}

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
  try {
    if (PLUGIN_ROLES.has(spec.role) && (process.env.AIPERF_PLUGINS ?? "") !== "") await (await import("../plugins/load.ts")).loadPluginsFromEnv();
    await runService(spec, loadRole, { log, signal: stop.signal });
    process.exit(0);
  } catch (error) {
    log.error(error);
    reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
}
