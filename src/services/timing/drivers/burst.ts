/**
 * Concurrency burst (§4.2): a closed loop, a new credit whenever the concurrency ceiling has room
 * (at each phase start the ceiling may ramp up, gate.ts). Where queued credits apply (queues.ts),
 * a full ceiling does not stop the loop: it tops up the workers' queues, so a worker starts its
 * next request in the same turn as one ends instead of waiting for its credit's round trip.
 */
import { sendLoop } from "../scheduler.ts";
import type { DriverContext, QueueContext, TimingDriver } from "./driver.ts";

export const burstDriver: TimingDriver = {
  async run(ctx: DriverContext) {
    if (ctx.queue !== undefined) return queuedLoop(ctx, ctx.queue);
    await sendLoop({
      clock: ctx.clock,
      stop: ctx.stop,
      arrivals: null,
      gate: ctx.gate,
      maxCatchupNs: ctx.maxCatchupNs,
      mayIssue: (intendedNs) => ctx.tracker.mayIssue(intendedNs),
      issue: (intendedNs, readyNs) => void ctx.issue(intendedNs, { readyNs }),
    });
    // A sessions phase: once its last session started, the rest of their turns still go out.
    if (ctx.tracker.stop.kind === "sessions") await ctx.untilSessionsEnd();
  },
};

/**
 * The closed loop with queued credits. A credit in a free slot goes as before (intended now); with
 * the ceiling full, queued credits go to workers with room. When the count is reached it waits for
 * the queued credits still out: one that comes back unsent is no longer counted, and is sent again.
 */
async function queuedLoop(ctx: DriverContext, queue: QueueContext): Promise<void> {
  const { clock, stop, gate, tracker } = ctx;
  while (!stop.aborted) {
    const nowNs = clock.nowNs();
    if (!tracker.mayIssue(nowNs)) {
      if (queue.pending === 0) return;
    } else if (gate.isOpen()) {
      ctx.issue(nowNs);
      continue;
    } else if (queue.offer()) continue;
    // changed() also settles when `stop` aborts. No race with a promise that lives as long as the
    // loop: each race would leave a reaction on it, one per return, until the phase ends.
    await (queue.ramping ? Promise.race([queue.changed(), gate.whenOpen(stop)]) : queue.changed());
  }
}
