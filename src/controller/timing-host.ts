/**
 * Where the timing service runs. With one local worker and no worker nodes, in that worker's
 * process, on its event loop: a credit then wakes no process or thread of its own, which on the
 * 2-core VM cost ~0.1 ms of CPU per wake-up, 0.68 wake-ups per request at c=16 (docs/client-efficiency.md,
 * eighteenth pass). With several workers it stays a thread of the controller, so that no worker's
 * event loop paces the others' credits; with worker nodes too, where it also listens on TCP.
 */
import type { ResolvedProfile } from "../config/resolve.ts";

export function timingInWorker(cfg: Pick<ResolvedProfile, "workerNodes" | "workers">): boolean {
  return cfg.workerNodes === undefined && cfg.workers === 1;
}
