/** SIGINT/SIGTERM on the controller: stop every service, then exit with 130 / 143. */
import type { ConsolaInstance } from "consola";
import type { Supervisor } from "./supervisor.ts";

const EXIT_BY_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

/** Installs the handlers; returns a function that removes them. */
export function stopOnSignals(supervisor: Supervisor, log: ConsolaInstance): () => void {
  const handler = (signal: keyof typeof EXIT_BY_SIGNAL): void => {
    log.warn(`Received ${signal}: stopping all services`);
    void supervisor.shutdown(`interrupted by ${signal}`).finally(() => process.exit(EXIT_BY_SIGNAL[signal]));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
