/**
 * Waiting for a credit's intended send time without holding the event loop: timers for the bulk
 * of the wait (they fire up to ~1 ms late), then yields, then a spin of at most SPIN_NS.
 */
import { monoNs } from "../../core/clock.ts";
import { sleepMs } from "../../core/timer.ts";

/** The longest synchronous spin: short enough that other requests' chunks are stamped on time. */
export const SPIN_NS = 300_000;
/** Below this much time left, yield instead of sleeping, since a timer could overshoot the target. */
const TIMER_SLACK_NS = 1_300_000;

const yieldOnce = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));


/** Resolves at `targetNs` (monoNs) or at once if it has passed; `signal` ends the wait early. */
export async function untilMono(targetNs: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted) return;
    const left = targetNs - monoNs();
    if (left <= SPIN_NS) break;
    if (left > TIMER_SLACK_NS) await sleepMs(Math.floor((left - TIMER_SLACK_NS) / 1e6), signal);
    else await yieldOnce();
  }
  while (monoNs() < targetNs) {
    // Spin: at most SPIN_NS by construction.
  }
}
