/**
 * Request rate (§4.1): credits on an open-loop schedule, constant, poisson or gamma, under a rate
 * ramp or a rate series (arrivals.ts), paced by the send loop (scheduler.ts); the concurrency
 * ceiling still caps them.
 */
import { makeArrivals } from "../arrivals.ts";
import { sendLoop } from "../scheduler.ts";
import type { DriverContext, TimingDriver } from "./driver.ts";

export const rateDriver: TimingDriver = {
  async run(ctx: DriverContext) {
    await sendLoop({
      clock: ctx.clock,
      stop: ctx.stop,
      arrivals: makeArrivals(ctx.load, ctx.arrivalRng),
      gate: ctx.gate,
      maxCatchupNs: ctx.maxCatchupNs,
      mayIssue: (intendedNs) => ctx.tracker.mayIssue(intendedNs),
      issue: (intendedNs, readyNs) => void ctx.issue(intendedNs, { readyNs }),
    });
    // A sessions phase: once its last session started, the rest of their turns still go out.
    if (ctx.tracker.stop.kind === "sessions") await ctx.untilSessionsEnd();
  },
};
