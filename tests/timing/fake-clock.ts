/**
 * A simulated clock for the timing tests: time stands still while code runs and jumps to the
 * next timer only when everything else has settled, so schedules come out exact and a ten-second
 * run takes milliseconds. `stall` models a busy event loop: time moves on and due timers fire late.
 */
import type { SleepOptions, TimingClock } from "../../src/services/timing/clock.ts";

type Timer = { atNs: number; seq: number; fire: () => void };

/** Lets every pending promise reaction run (one macrotask turn drains the microtask queue). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements TimingClock {
  #nowNs: number;
  #timers: Timer[] = [];
  #seq = 0;

  constructor(startNs = 1_000_000_000_000) {
    this.#nowNs = startNs;
  }

  nowNs(): number {
    return this.#nowNs;
  }

  sleepUntil(targetNs: number, options: SleepOptions = {}): Promise<void> {
    const { signal } = options;
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const timer = this.at(targetNs, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      const onAbort = (): void => {
        this.#cancel(timer);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Calls `fire` when simulated time reaches `atNs` (or on the next step if that has passed). */
  at(atNs: number, fire: () => void): Timer {
    const timer = { atNs, seq: this.#seq++, fire };
    let lo = 0;
    let hi = this.#timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.#timers[mid] as Timer;
      if (t.atNs < atNs || (t.atNs === atNs && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#timers.splice(lo, 0, timer);
    return timer;
  }

  /** The loop was busy for `ns`: time passes without any timer firing. */
  stall(ns: number): void {
    this.#nowNs += ns;
  }

  /** Drives simulated time until `work` settles; throws if it waits on nothing that can happen. */
  async run<T>(work: Promise<T>, maxSteps = 5_000_000): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let step = 0; step < maxSteps; step++) {
      await settle();
      if (settled) return work;
      const timer = this.#timers.shift();
      if (timer === undefined) throw new Error("Simulation stuck: the work waits but no timer is pending");
      this.#nowNs = Math.max(this.#nowNs, timer.atNs);
      timer.fire();
    }
    throw new Error(`Simulation did not finish in ${maxSteps} steps`);
  }

  #cancel(timer: Timer): void {
    const at = this.#timers.indexOf(timer);
    if (at >= 0) this.#timers.splice(at, 1);
  }
}
