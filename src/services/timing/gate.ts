/**
 * Ceilings on credits outstanding: the concurrency gate (credits not yet returned, across all
 * phases), the prefill gate (credits whose first response byte has not arrived), both together
 * as LoadGates, and the concurrency ramp that raises a ceiling step by step.
 */
import type { TimingClock } from "./clock.ts";

/** What the send loops need of a ceiling. */
export type Gate = {
  isOpen(): boolean;
  /** Resolves when there is room, or when `signal` aborts (check it afterwards). */
  whenOpen(signal: AbortSignal): Promise<void>;
};

class ConcurrencyGate implements Gate {
  #limit: number;
  #inUse = 0;
  #waiters: { signal: AbortSignal; resolve: () => void }[] = [];
  /**
   * Signals that carry our abort listener: one listener per signal (a phase's stop), not one added
   * and removed per wait, which in a closed loop is per credit (profiled: ~15 % of the timing
   * thread's JavaScript time at c=16).
   */
  #watched = new WeakSet<AbortSignal>();

  /** `limit` undefined means no ceiling. */
  constructor(limit: number | undefined) {
    this.#limit = limit ?? Number.POSITIVE_INFINITY;
  }

  get limit(): number {
    return this.#limit;
  }

  /** A new ceiling (a phase's own, or a ramp step); undefined means none. Waiters wake if there is room. */
  setLimit(limit: number | undefined): void {
    this.#limit = limit ?? Number.POSITIVE_INFINITY;
    this.#wake();
  }

  get inUse(): number {
    return this.#inUse;
  }

  isOpen(): boolean {
    return this.#inUse < this.#limit;
  }

  take(): void {
    this.#inUse++;
  }

  release(): void {
    this.#inUse--;
    this.#wake();
  }

  whenOpen(signal: AbortSignal): Promise<void> {
    if (this.isOpen() || signal.aborted) return Promise.resolve();
    if (!this.#watched.has(signal)) {
      this.#watched.add(signal);
      signal.addEventListener("abort", () => this.#wakeAborted(signal), { once: true });
    }
    return new Promise((resolve) => this.#waiters.push({ signal, resolve }));
  }

  #wake(): void {
    if (this.isOpen()) for (const w of this.#waiters.splice(0)) w.resolve();
  }

  #wakeAborted(signal: AbortSignal): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) {
      if (w.signal === signal) w.resolve();
      else this.#waiters.push(w);
    }
  }
}

/** Concurrency and prefill ceilings: a credit needs room under both. */
export class LoadGates implements Gate {
  readonly concurrency = new ConcurrencyGate(undefined);
  readonly prefill = new ConcurrencyGate(undefined);

  isOpen(): boolean {
    return this.concurrency.isOpen() && this.prefill.isOpen();
  }

  whenOpen(signal: AbortSignal): Promise<void> {
    return this.concurrency.isOpen() ? this.prefill.whenOpen(signal) : this.concurrency.whenOpen(signal);
  }
}

/**
 * Raises `gate`'s ceiling from 1 to `target`, one step at a time, evenly over `rampNs` (upstream's
 * concurrency ramp). An abort (the phase ended) leaves the ceiling alone: the next phase sets its own.
 */
export async function rampGate(clock: TimingClock, gate: ConcurrencyGate, target: number, rampNs: number, signal: AbortSignal): Promise<void> {
  const startNs = clock.nowNs();
  gate.setLimit(1);
  for (let k = 2; k <= target && !signal.aborted; k++) {
    await clock.sleepUntil(startNs + Math.round(((k - 1) / (target - 1)) * rampNs), { signal });
    if (!signal.aborted) gate.setLimit(k);
  }
}
