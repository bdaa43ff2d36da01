/** What a profile run logs about itself at start (console at info, and the log file). */
import type { ResolvedProfile } from "../config/resolve.ts";
import { collectorServices } from "../controller/collectors.ts";
import { redactUrl } from "../core/redact.ts";
import { endpointPath } from "../endpoints/registry.ts";

/** Targets and process counts, one line each. */
export function runFacts(cfg: ResolvedProfile): string[] {
  const path = cfg.endpoint ?? endpointPath(cfg.endpointType, cfg.streaming);
  const collectors = collectorServices(cfg).length;
  const load = cfg.requestRate !== undefined ? `request rate ${cfg.requestRate}/s` : `concurrency ${cfg.concurrency ?? 1}`;
  return [
    `Target: ${cfg.urls.map((u) => `${redactUrl(u).replace(/\/+$/, "")}${path}`).join(", ")} (model ${cfg.model.join(", ")}, ${cfg.endpointType}${cfg.streaming ? ", streaming" : ""}, ${load})`,
    cfg.workerNodes !== undefined && !cfg.localWorkers
      ? `Processes: dataset, timing, records${collectors > 0 ? `, ${collectors} collectors` : ""} (each a child process); workers and record processors on ${cfg.workerNodes} worker node(s)`
      : `Processes: ${cfg.workers} workers, ${cfg.recordProcessors} record processors, dataset, timing, records${collectors > 0 ? `, ${collectors} collectors` : ""} (each a child process)${cfg.workerNodes === undefined ? "" : `, and ${cfg.workerNodes} worker node(s)`}`,
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
