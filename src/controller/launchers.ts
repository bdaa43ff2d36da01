/**
 * How the controller starts a service: as a child process of this same program (the product), as
 * a thread of the controller's process on the same ipc:// bus (the product's light roles), or as a
 * task inside the controller's own event loop (tests, debugging). All give the same handle.
 */
import type { ConsolaInstance } from "consola";
import { selfCommand } from "../core/self.ts";
import { type ServiceSpec, serviceName } from "../runtime/context.ts";
import { startServiceThread } from "../runtime/service-thread.ts";
import { spawnService } from "../runtime/spawn-service.ts";

/** `reason`: what to say when it was unexpected, instead of the code or signal (a worker node lost). */
export type ExitInfo = { code: number | null; signal: string | null; reason?: string };

export type ServiceHandle = {
  readonly pid: number | undefined;
  /** Settles when the service has stopped, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
};

export type Launcher = {
  /** "inproc" services share the process, so their endpoints must be inproc:// too. */
  readonly kind: "process" | "in-process";
  /** `guests`: services to run in the same process as `spec`, on its event loop; the handle stands for all. */
  launch(spec: ServiceSpec, log: ConsolaInstance, env?: Record<string, string>, guests?: ServiceSpec[]): ServiceHandle;
};

/**
 * Test hook, never set by a user: `AIPERF_TEST_CRASH_THREAD=<service name>` makes that service's
 * thread crash (an uncaught error inside it) when the controller receives SIGUSR2, so a fault test
 * can do to a thread what `kill -9` does to a child, at the moment it chooses.
 */
const CRASH_HOOK = "AIPERF_TEST_CRASH_THREAD";

/**
 * Starts each service as `<this program> __service '<spec json>'` (runtime/spawn-service.ts), or,
 * for the roles in `threadRoles`, as a thread of this process (runtime/service-thread.ts); both
 * connect to the same ipc:// or tcp:// endpoints, so the supervisor cannot tell them apart.
 */
export function processLauncher(command: string[] = selfCommand(), threadRoles: ReadonlySet<string> = new Set()): Launcher {
  return {
    kind: "process",
    launch(spec, log, env, guests = []) {
      if (threadRoles.has(spec.role) && guests.length === 0) return launchThread(spec, log, env);
      const { proc, exited } = spawnService([spec, ...guests], log, env, command);
      return { pid: proc.pid, exited, kill: (signal) => proc.kill(signal) };
    },
  };
}

function launchThread(spec: ServiceSpec, log: ConsolaInstance, env: Record<string, string> | undefined): ServiceHandle {
  const thread = startServiceThread(spec, log, env);
  const name = serviceName(spec.role, spec.id);
  if (process.env[CRASH_HOOK] === name) {
    const crash = (): void => thread.crash();
    process.on("SIGUSR2", crash);
    void thread.exited.then(() => process.off("SIGUSR2", crash));
  }
  return {
    // The thread has no pid of its own: the supervisor names it by the pid it registers with (ours).
    pid: undefined,
    exited: thread.exited.then(({ code, reason }): ExitInfo => ({ code, signal: null, ...(reason === undefined ? {} : { reason }) })),
    // SIGTERM asks it to stop as a shutdown would; SIGKILL ends it at once.
    kill: (signal) => (signal === "SIGKILL" ? thread.terminate() : thread.stop()),
  };
}

/** Runs each service in this process over inproc:// endpoints. */
export function inProcessLauncher(): Launcher {
  return {
    kind: "in-process",
    launch(spec, log, _env, guests = []) {
      const stop = new AbortController();
      // Imported lazily so the product's controller never loads role code it does not run.
      const runtime = Promise.all([import("../runtime/service-runtime.ts"), import("../services/registry.ts")]);
      const runOne = (one: ServiceSpec): Promise<ExitInfo> => {
        const name = serviceName(one.role, one.id);
        return runtime
          .then(([{ runService }, { loadRole }]) => runService(one, loadRole, { log: log.withTag(name), signal: stop.signal }))
          .then(
            (): ExitInfo => ({ code: 0, signal: null }),
            (error: unknown): ExitInfo => {
              log.withTag(name).error(error);
              // As a process host exits on a guest's failure: the others stop too, and the handle says 1.
              stop.abort("SIGTERM");
              return { code: 1, signal: null };
            },
          );
      };
      const exited = Promise.all([spec, ...guests].map(runOne)).then((infos) => infos.find((i) => i.code !== 0) ?? (infos[0] as ExitInfo));
      return { pid: undefined, exited, kill: (signal) => stop.abort(signal) };
    },
  };
}

/**
 * Roles a profile run hosts as threads of the controller: none is on the per-request path of a
 * worker or a record processor. The dataset is idle once it has answered; the collectors poll a
 * few endpoints a second; timing paces on its own thread with plain timers (credits leave a few
 * milliseconds early and each worker waits the last stretch, timing/clock.ts) and sends one small
 * message per credit.
 * Workers and record processors stay processes (the hot path, scaled out over nodes, each
 * keeping freed pages, runtime/allocator-env.ts), as does records (if it dies, the controller
 * still writes the summary). Hosting timing gives up its allocator setting, which only a process
 * start can make; measured side by side it changed neither the run's CPU nor its send lag beyond
 * this box's noise, and it is one process (~45 MiB of RSS) fewer. In a closed loop with one local
 * worker, timing is that worker's guest instead (timing-host.ts).
 */
export const PROFILE_THREAD_ROLES: ReadonlySet<string> = new Set(["dataset", "server-metrics", "gpu-telemetry", "timing"]);

/** The launcher of a profile run: child processes, with the light roles above as threads. */
export function profileLauncher(): Launcher {
  return processLauncher(selfCommand(), PROFILE_THREAD_ROLES);
}
