/** What a profile run logs about itself at start (console at info, and the log file). */
import type { ResolvedProfile } from "../config/resolve.ts";
import { collectorServices } from "../controller/collectors.ts";
import { redactUrl } from "../core/redact.ts";
import { endpointPath } from "../endpoints/registry.ts";

/** Targets and process counts, one line each. */
export function runFacts(cfg: ResolvedProfile): string[] {
  const path = cfg.endpoint ?? endpointPath(cfg.endpointType, cfg.streaming);
  const collectors = collectorServices(cfg).length;
  // The roles controller/launchers.ts hosts as threads: the dataset and the collectors.
  const threads = collectors > 0 ? `, ${collectors} collector${collectors === 1 ? "" : "s"}` : "";
  const load = cfg.requestRate !== undefined ? `request rate ${cfg.requestRate}/s` : `concurrency ${cfg.concurrency ?? 1}`;
  return [
    `Target: ${cfg.urls.map((u) => `${redactUrl(u).replace(/\/+$/, "")}${path}`).join(", ")} (model ${cfg.model.join(", ")}, ${cfg.endpointType}${cfg.streaming ? ", streaming" : ""}, ${load})`,
    cfg.workerNodes !== undefined && !cfg.localWorkers
      ? `Processes: timing, records (each a child process); dataset${threads} as threads of this one; workers and record processors on ${cfg.workerNodes} worker node(s)`
      : `Processes: ${cfg.workers} workers, ${cfg.recordProcessors} record processors, timing, records (each a child process); dataset${threads} as threads of this one${cfg.workerNodes === undefined ? "" : `; and ${cfg.workerNodes} worker node(s)`}`,
  ];
}

/**
 * The width console text is fitted to: the terminal's when stdout is one, else $COLUMNS when set,
 * else none (a file or pipe gets the tables at full width, as upstream prints them).
 */
export function terminalColumns(): number | undefined {
  if (process.stdout.isTTY === true && (process.stdout.columns ?? 0) > 0) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 20 ? env : undefined;
}
