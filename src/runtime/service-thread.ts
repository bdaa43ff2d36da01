/**
 * A service as a thread of the controller's process: a Bun Worker that loads the program's entry
 * (src/main.ts, which runs thread-main.ts's `runServiceThread` when it is not the main thread and its workerData
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
 *
 * This file is the controller's side; the thread's is thread-main.ts, kept apart so that a thread
 * does not load the controller's logger (consola's node entry: 12-27 ms of CPU in every thread).
 */
import type { ConsolaInstance } from "consola";
import { forwardChildLine } from "../core/log.ts";
import { selfEntry } from "../core/self.ts";
import { type ServiceSpec, serviceName } from "./context.ts";
import type { FromThread, ServiceThreadData, ToThread } from "./thread-messages.ts";
import { takePrestartedThread } from "./thread-prestart.ts";

type ServiceThread = {
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
  const threadEnv = { ...process.env, ...env } as Record<string, string>;
  // The dataset's thread may already be running, started before the flags were read (thread-prestart.ts).
  const prestarted = takePrestartedThread(spec.role, spec.id);
  const worker = prestarted?.worker ?? new Worker(selfEntry(), { name, workerData: data, env: threadEnv } as WorkerOptions);
  let failure: string | undefined;
  let settle!: (info: { code: number | null; reason?: string }) => void;
  const exited = new Promise<{ code: number | null; reason?: string }>((resolve) => (settle = resolve));
  worker.addEventListener("message", (event: MessageEvent<FromThread>) => {
    const message = event.data;
    if (message.type === "log") forwardChildLine(log, message.line, name);
    else if (message.type === "failed") failure ??= message.message;
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
  if (prestarted !== undefined) {
    log.debug(`${name} runs on the thread started at launch`);
    void prestarted.listening.then(() => post({ type: "start", data, env: threadEnv }));
  }
  return {
    exited,
    stop: () => post({ type: "stop" }),
    terminate: () => worker.terminate(),
    crash: () => post({ type: "crash" }),
  };
}
