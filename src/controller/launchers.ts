/**
 * How the controller starts a service: as a child process of this same program (the product), or
 * as a task inside the controller's own process (tests, debugging). Both give the same handle.
 */
import type { ConsolaInstance } from "consola";
import { selfCommand } from "../core/self.ts";
import { type ServiceSpec, serviceName } from "../runtime/context.ts";
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
  launch(spec: ServiceSpec, log: ConsolaInstance, env?: Record<string, string>): ServiceHandle;
};

/** Starts each service as `<this program> __service '<spec json>'` (runtime/spawn-service.ts). */
export function processLauncher(command: string[] = selfCommand()): Launcher {
  return {
    kind: "process",
    launch(spec, log, env) {
      const { proc, exited } = spawnService(spec, log, env, command);
      return { pid: proc.pid, exited, kill: (signal) => proc.kill(signal) };
    },
  };
}

/** Runs each service in this process over inproc:// endpoints. */
export function inProcessLauncher(): Launcher {
  return {
    kind: "in-process",
    launch(spec, log) {
      const stop = new AbortController();
      const name = serviceName(spec.role, spec.id);
      // Imported lazily so the product's controller never loads role code it does not run.
      const exited = Promise.all([import("../runtime/service-runtime.ts"), import("../services/registry.ts")])
        .then(([{ runService }, { loadRole }]) => runService(spec, loadRole, { log: log.withTag(name), signal: stop.signal }))
        .then(
          (): ExitInfo => ({ code: 0, signal: null }),
          (error: unknown): ExitInfo => {
            log.withTag(name).error(error);
            return { code: 1, signal: null };
          },
        );
      return { pid: undefined, exited, kill: (signal) => stop.abort(signal) };
    },
  };
}
