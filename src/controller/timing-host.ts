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

/**
 * Queued credits per slot (the timing plan's queuedCreditsPerSlot). Where timing is a thread, a
 * closed loop's freed slot otherwise waits for the credit's round trip: the return to timing, its
 * wake-up, the next credit back, the worker's wake-up. With two workers on the 2-core VM
 * (`bench:rate --workers 2`, c=16, non-streaming) that left 10.3-12 of the 16 slots on the wire
 * and the server 19-29 % short of the load asked for; with one credit queued per slot 13.5-15.2.
 * Where timing is the worker's guest the round trip is a function call, and queued credits would
 * only put more of a wave's work in one turn (they pushed the one worker's loop lag up at c=64,
 * docs/client-efficiency.md "The ninth pass together"). AIPERF_CREDIT_QUEUE_DEPTH (0 to 1)
 * overrides either default, for benchmarks.
 */
export function creditQueueDepth(cfg: Load, override: string | undefined, warn: (message: string) => void): number {
  const fallback = timingInWorker(cfg) ? 0 : 1;
  if (override === undefined || override === "") return fallback;
  const depth = Number(override);
  if (Number.isFinite(depth) && depth >= 0 && depth <= 1) return depth;
  warn(`Ignoring AIPERF_CREDIT_QUEUE_DEPTH=${override}: it must be a number from 0 to 1 (queued credits per slot); using ${fallback}`);
  return fallback;
}
