/**
 * Concurrency burst (§4.2): a closed loop, a new credit whenever the concurrency ceiling has room
 * (at each phase start the ceiling may ramp up, gate.ts).
 */
import { sendLoop } from "../scheduler.ts";
import type { DriverContext, TimingDriver } from "./driver.ts";

export const burstDriver: TimingDriver = {
  async run(ctx: DriverContext) {
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
