/**
 * The timing service's own share of the send lag: the same timing run (createTimingRun on the
 * host clock with the precise pacer) in this process, with a stand-in worker that notes how late
 * each credit reached `send()` and returns it on the next turn. No bus, no worker, no HTTP: what
 * is left is the pacer's lateness, which the full bench adds to the credit's trip and the worker.
 */
import { monoNs, wallNs } from "../../src/core/clock.ts";
import { parseTimingPlan } from "../../src/protocol/timing-plan.ts";
import type { TimingClock } from "../../src/services/timing/clock.ts";
import { coarseSleepUntil, preciseSleepUntil } from "../../src/services/timing/pacer.ts";
import { createTimingRun } from "../../src/services/timing/timing-run.ts";
import { summary } from "./support.ts";

/**
 * The single-process floor: timer, futex wait and spin to each intended time, no lead (the product's
 * timing releases credits ahead and its workers wait; this shows what one process's wake-up can do).
 */
const preciseClock: TimingClock = {
  nowNs: monoNs,
  sleepUntil: (targetNs, options) =>
    options?.coarse === true ? coarseSleepUntil(targetNs, monoNs, options.signal) : preciseSleepUntil(targetNs, monoNs, options?.signal),
};

/** Pacer lateness (µs) of `count` profiling credits at `rate` req/s. */
export async function pacerLateness(rate: number, mode: "constant" | "poisson", count: number): Promise<ReturnType<typeof summary>> {
  const lateUs: number[] = [];
  const plan = parseTimingPlan({ workers: ["w"], rateMode: mode, requestRate: rate, requestCount: count, randomSeed: 1, conversations: 1 });
  const run = createTimingRun(plan, {
    clock: preciseClock,
    wallNs,
    send: (worker, credit) => {
      lateUs.push((monoNs() - credit.intendedNs) / 1e3);
      setImmediate(() => run.onReturn({ id: credit.id, phase: credit.phase, worker }));
    },
    emit: () => {},
  });
  await run.start();
  return summary(lateUs);
}
