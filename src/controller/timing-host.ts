/**
 * Where the timing service runs. In a closed loop (concurrency only) with one local worker and no
 * worker nodes: in that worker's process, on its event loop. A returned credit's successor then
 * goes out in the same turn, with no process or thread of timing's own to wake: on the 2-core VM
 * that wake-up cost ~0.1 ms of CPU, 0.68 of them per request at c=16, and the round trip put the
 * demo's mean send lag at 1-4 ms (docs/client-efficiency.md, eighteenth pass). Elsewhere it stays
 * a thread of the controller: with several workers, so that no worker's loop paces the others';
 * with worker nodes, where it also listens on TCP; and with a rate, a schedule or user-centric
 * pacing, where credits leave 3 ms ahead anyway and the pacer on the worker's loop sent the
 * user-centric mode's requests later (send lag p99 2.8-4.6 ms against 0.6-0.8).
 */
import { isClosedLoop } from "../config/load-modes.ts";
import type { ResolvedProfile } from "../config/resolve.ts";

type Load = Pick<ResolvedProfile, "workerNodes" | "workers" | "rateMode" | "fixedSchedule" | "userCentricRate">;

export function timingInWorker(cfg: Load): boolean {
  return isClosedLoop(cfg) && cfg.workerNodes === undefined && cfg.workers === 1;
}
