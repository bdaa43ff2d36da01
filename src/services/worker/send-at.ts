/**
 * When the worker sends a credit's request. The timing service already paces credits to their
 * intended time (its pacer spins for the last stretch, in its own process), so the worker sends
 * at once on arrival and never spins: a spin here would hold the event loop that timestamps other
 * requests' response chunks. Only a credit meant for more than NEAR_NS ahead waits, on plain timers
 * (never early; late by the timer's lateness, ~0.1–1 ms).
 */
import { monoNs } from "../../core/clock.ts";
import { sleepMs } from "../../core/timer.ts";

/** A credit due within this much time is sent at once (a timer cannot resolve less). */
export const NEAR_NS = 1_000_000;

/** The clock the wait reads and sleeps on; tests pass a simulated one. */
export type SendClock = { nowNs(): number; sleepMs(ms: number, signal?: AbortSignal): Promise<void> };

const hostClock: SendClock = { nowNs: monoNs, sleepMs };

/**
 * Undefined when the request should go now (the usual case: no await, no extra turn). Otherwise a
 * wait on timers only that ends at or after `intendedNs`, or when `signal` aborts.
 */
export function untilSendTime(intendedNs: number, signal?: AbortSignal, clock: SendClock = hostClock): Promise<void> | undefined {
  if (intendedNs - clock.nowNs() <= NEAR_NS) return undefined;
  return (async () => {
    for (;;) {
      if (signal?.aborted === true) return;
      const leftNs = intendedNs - clock.nowNs();
      if (leftNs <= 0) return;
      // A timer floors its argument: round up, so the wait never ends early.
      await clock.sleepMs(Math.ceil(leftNs / 1e6), signal);
    }
  })();
}
