/**
 * The controller's part of the run-validity verdict and arrival-fidelity check: asks every worker
 * for its event-loop lag after the timing run, and packs it with the requested arrival process
 * and the bounds into "finalize"'s clientCheck (protocol/client-check.ts).
 */
import { isClosedLoop, startupCredits } from "../config/load-modes.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import { arrivalSpecOf } from "../metrics/arrival-fidelity.ts";
import type { ClientCheckInput } from "../protocol/client-check.ts";
import type { ServiceName } from "../protocol/contracts/index.ts";
import type { Supervisor } from "./supervisor.ts";

/** A worker that does not answer in time is left out of the loop-lag check (never fails the run). */
const STATS_TIMEOUT_MS = 5_000;

export async function clientCheckInput(cfg: ResolvedProfile, sup: Supervisor, workers: readonly ServiceName<"worker">[]): Promise<ClientCheckInput> {
  const stats = await Promise.all(workers.map((w) => sup.command(w, "stats", undefined, STATS_TIMEOUT_MS).catch(() => null)));
  const workerLoopLag = stats.flatMap((s, i) => (s?.loopLag === undefined ? [] : [{ worker: workers[i] as string, ...s.loopLag }]));
  const closedLoop = isClosedLoop(cfg);
  return {
    arrival: arrivalSpecOf(cfg),
    closedLoop,
    startupCredits: startupCredits(cfg),
    sendLagBoundMs: cfg.clientBottleneckSendLagMs,
    loopLagBoundMs: cfg.clientBottleneckLoopLagMs,
    workerLoopLag,
  };
}
