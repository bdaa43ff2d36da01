/**
 * The body of a service child process: run the role from the spec, exit 0 on shutdown and 1 on
 * failure, and never outlive the controller.
 */
import { setBusLogger } from "../bus/index.ts";
import { takeHeldSignals } from "../core/early-signals.ts";
import { applyBackgroundNice } from "./background-nice.ts";
import { createChildLogger } from "../core/child-log.ts";
import { type ServiceSpec, serviceName } from "./context.ts";
import { type RoleLoader, runServiceToExit } from "./service-runtime.ts";

/** How long a child whose controller vanished may take to stop on its own before it exits. */
const ORPHAN_EXIT_MS = 1000;

export async function runServiceProcess(specJson: string, loadRole: RoleLoader): Promise<never> {
  // Records and record processors yield the CPU to the workers (runtime/background-nice.ts).
  applyBackgroundNice();
  // One spec, or several to run on this event loop (the first hosts: its logger is the bus's).
  const parsed = JSON.parse(specJson) as ServiceSpec | ServiceSpec[];
  const [spec, ...guests] = Array.isArray(parsed) ? parsed : [parsed];
  if (spec === undefined) throw new TypeError("__service was given no service");
  const log = createChildLogger(spec.logLevel, serviceName(spec.role, spec.id));
  setBusLogger({ warn: (m) => log.warn(m), debug: (m) => log.debug(m) });
  const stop = new AbortController();
  // Ctrl-C, `timeout`, systemd, Slurm and Kubernetes signal the whole process group: one signal
  // must be one interrupt, handled by the controller, which still gathers results from us. So a
  // child ignores both and stops only on the controller's shutdown or when its stdin closes.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => {});
  takeHeldSignals();
  watchController(() => {
    log.warn("Controller is gone: stopping");
    stop.abort();
    setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
  });
  const guestRuns = guests.map((g) => ({ spec: g, log: createChildLogger(g.logLevel, serviceName(g.role, g.id)) }));
  return runServiceToExit(spec, loadRole, { log, signal: stop.signal }, undefined, guestRuns);
}

/** The controller holds our stdin pipe open; end of file means it exited, even by SIGKILL. */
function watchController(onGone: () => void): void {
  const reader = Bun.stdin.stream().getReader();
  const drain = async (): Promise<void> => {
    while (!(await reader.read()).done) {
      // The controller never writes; anything read is ignored.
    }
  };
  drain().then(onGone, onGone);
}
