/**
 * Sleeping until an exact instant. Bun timers take whole milliseconds (they floor the argument)
 * and fire 0.1–0.6 ms late (reference/bun-runtime.md §9), which at hundreds of requests per
 * second would both quantize and under-deliver the rate. So: a timer for the whole milliseconds
 * up to `guard` before the target, then a spin on the clock for the rest. The spin blocks the
 * event loop, which is why the guard stays small and why only credit sends use it.
 */
import { sleepMs } from "../../core/timer.ts";

/** How early the timer aims before the target; the measured sweet spot (bun-runtime §9). */
export const SPIN_GUARD_NS = 300_000;


/** Timer to within `guardNs` of the target, then spin; never returns before `targetNs` unless aborted. */
export async function preciseSleepUntil(targetNs: number, nowNs: () => number, signal?: AbortSignal, guardNs = SPIN_GUARD_NS): Promise<void> {
  // Always give the event loop one turn: above ~800 sends/s every target is closer than a timer
  // can resolve, and without this yield the bus never flushes, so credits left in one burst.
  await nextTurn();
  for (;;) {
    if (signal?.aborted === true) return;
    const leftNs = targetNs - nowNs() - guardNs;
    if (leftNs <= 0) break;
    const wholeMs = Math.floor(leftNs / 1e6);
    if (wholeMs >= 1) await sleepMs(wholeMs, signal);
    else await nextTurn();
  }
  while (nowNs() < targetNs) {
    // Spin: the last stretch is shorter than a timer can resolve.
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

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
