/** What a profile run logs about itself at start (console at info, and the log file). */
import type { ResolvedProfile } from "../config/resolve.ts";
import { collectorServices } from "../controller/collectors.ts";
import { timingInWorker } from "../controller/timing-host.ts";
import { redactUrl } from "../core/redact.ts";
import { endpointPath } from "../endpoints/registry.ts";

/** Targets and process counts, one line each. */
export function runFacts(cfg: ResolvedProfile): string[] {
  const path = cfg.endpoint ?? endpointPath(cfg.endpointType, cfg.streaming);
  // The roles controller/launchers.ts hosts as threads (timing in a closed loop's only worker instead, timing-host.ts); GPU telemetry only where the probe finds a source.
  const collectors = collectorServices(cfg).map((s) => (s.role === "gpu-telemetry" ? "gpu-telemetry (if a GPU source answers)" : s.role));
  const inWorker = timingInWorker(cfg);
  const threads = ["dataset", ...(inWorker ? [] : ["timing"]), ...collectors].join(", ");
  const load = cfg.requestRate !== undefined ? `request rate ${cfg.requestRate}/s` : `concurrency ${cfg.concurrency ?? 1}`;
  return [
    `Target: ${cfg.urls.map((u) => `${redactUrl(u).replace(/\/+$/, "")}${path}`).join(", ")} (model ${cfg.model.join(", ")}, ${cfg.endpointType}${cfg.streaming ? ", streaming" : ""}, ${load})`,
    cfg.workerNodes !== undefined && !cfg.localWorkers
      ? `Processes: records (a child process); ${threads} as threads of this one; workers and record processors on ${cfg.workerNodes} worker node(s)`
      : `Processes: ${inWorker ? "1 worker (timing runs in it)" : `${cfg.workers} workers`}, ${parsing(cfg.recordProcessors)} (each a child process); ${threads} as threads of this one${cfg.workerNodes === undefined ? "" : `; and ${cfg.workerNodes} worker node(s)`}`,
  ];
}

/** Who parses the replies: N record processors and records, or (the default) records alone. */
function parsing(recordProcessors: number): string {
  return recordProcessors === 0 ? "records (which parses the replies)" : `${recordProcessors} record processors, records`;
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
