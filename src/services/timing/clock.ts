/**
 * The time source the scheduler runs on. Everything in timing reads time and sleeps only through
 * this, so tests drive the same code on a simulated clock.
 */
import { monoNs } from "../../core/clock.ts";
import { sleepMs } from "../../core/timer.ts";

export type SleepOptions = {
  /** Aborting wakes the sleeper at once. */
  signal?: AbortSignal;
};

export type TimingClock = {
  nowNs(): number;
  /** Resolves at or after `targetNs` (never before, unless aborted). */
  sleepUntil(targetNs: number, options?: SleepOptions): Promise<void>;
  /** How long before its intended time a credit leaves (the worker waits the rest); 0 or absent: at its time. */
  leadNs?: number;
};

/**
 * Credits leave timing this long before their intended time, and the worker waits the rest
 * (worker/send-at.ts): the bus trip and the worker's wake-up then happen before the send time
 * instead of after it (docs/client-efficiency.md "Seventh pass, send lag"). Timers are late by 0.1–0.6 ms (rarely
 * more) and the trip takes 0.1–0.3 ms: a credit lands 1–3 ms ahead.
 */
export const SEND_LEAD_NS = 3_000_000;

/** When a credit meant for `intendedNs` leaves on this clock. */
export function releaseAt(clock: TimingClock, intendedNs: number): number {
  return intendedNs - (clock.leadNs ?? 0);
}

/**
 * The host-wide monotonic clock. With the lead, credits need no precise wake-up here: plain
 * timers (never early, a millisecond late at worst). The precise last stretch (futex wait and
 * spin) is the worker's, where the request is sent (worker/send-at.ts).
 */
export const systemClock: TimingClock = {
  nowNs: monoNs,
  sleepUntil: (targetNs, options) => coarseSleepUntil(targetNs, monoNs, options?.signal),
  leadNs: SEND_LEAD_NS,
};

/** Timers only: may be a millisecond late, never early. */
export async function coarseSleepUntil(targetNs: number, nowNs: () => number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted === true) return;
    const remainingNs = targetNs - nowNs();
    if (remainingNs <= 0) return;
    // A timer floors its argument, so round up to stay on the late side.
    await sleepMs(Math.max(1, Math.ceil(remainingNs / 1e6)), signal);
  }
}
