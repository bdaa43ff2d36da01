/**
 * The time source the scheduler runs on. Everything in timing reads time and sleeps only through
 * this, so tests drive the same code on a simulated clock.
 */
import { monoNs } from "../../core/clock.ts";
import { coarseSleepUntil, preciseSleepUntil } from "./pacer.ts";

export type SleepOptions = {
  /** Aborting wakes the sleeper at once. */
  signal?: AbortSignal;
  /** A millisecond late is fine (progress ticks, deadlines): use a plain timer, never spin. */
  coarse?: boolean;
};

export type TimingClock = {
  nowNs(): number;
  /** Resolves at or after `targetNs` (never before, unless aborted). */
  sleepUntil(targetNs: number, options?: SleepOptions): Promise<void>;
};

/** The host-wide monotonic clock with the precise pacer for credit sends. */
export const systemClock: TimingClock = {
  nowNs: monoNs,
  sleepUntil: (targetNs, options) =>
    options?.coarse === true ? coarseSleepUntil(targetNs, monoNs, options.signal) : preciseSleepUntil(targetNs, monoNs, options?.signal),
};
