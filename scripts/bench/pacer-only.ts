/**
 * The single-process floor of the send lag: the product's timing run (createTimingRun on the host
 * clock, credits released SEND_LEAD_NS early on plain timers) and the product's wait before a send
 * (worker/send-at.ts SendQueue: timers, then a futex wait and a spin, or short waits and loop
 * turns while a sent credit is out) in this one process, with a stand-in worker that notes how
 * late each credit's wait ended and returns it on the next turn.
 * No bus, no other process, no HTTP: what is left is how late one process's wake-up is on this
 * machine, which the full bench adds the credit's trip and the worker's load to. Pessimistic at
 * high rates: here the worker's futex waits also hold timing's timers, which in the product run
 * on another thread.
 */
import { monoNs, wallNs } from "../../src/core/clock.ts";
import { parseTimingPlan } from "../../src/protocol/timing-plan.ts";
import { systemClock } from "../../src/services/timing/clock.ts";
import { createTimingRun } from "../../src/services/timing/timing-run.ts";
import { SendQueue } from "../../src/services/worker/send-at.ts";
import { summary } from "./support.ts";

/** Lateness (µs) of `count` profiling credits at `rate` req/s, timing and the worker's wait in one process. */
export async function pacerLateness(rate: number, mode: "constant" | "poisson", count: number): Promise<ReturnType<typeof summary>> {
  const lateUs: number[] = [];
  // As in the worker: "busy" while a sent credit is not back (its wait then yields to the loop).
  let onWire = 0;
  const queue = new SendQueue(() => onWire > 0);
  const plan = parseTimingPlan({ workers: ["w"], rateMode: mode, requestRate: rate, requestCount: count, randomSeed: 1, conversations: 1 });
  const run = createTimingRun(plan, {
    clock: systemClock,
    wallNs,
    send: (worker, credit) => {
      const sent = (): void => {
        lateUs.push((monoNs() - credit.intendedNs) / 1e3);
        onWire++;
        setImmediate(() => {
          onWire--;
          run.onReturn({ id: credit.id, phase: credit.phase, worker });
        });
      };
      const wait = queue.until(credit.intendedNs);
      if (wait === undefined) sent();
      else void wait.then(sent);
    },
    emit: () => {},
  });
  await run.start();
  return summary(lateUs);
}
