/**
 * When the worker sends a credit's request. Timing releases each credit a little before its
 * intended time (timing/clock.ts SEND_LEAD_NS), so the credit's bus trip and this process's
 * wake-up from an idle sleep happen before the send time instead of after it (docs/client-efficiency.md "Seventh
 * pass, send lag"). The worker waits the last stretch itself, never sending early:
 *  - timers (whole milliseconds, 0.1–0.6 ms late) to within WAKE_MARGIN_NS of the target;
 *  - then, with none of its requests on the wire (nothing to stamp), a futex wait to
 *    SPIN_GUARD_NS before the target and a spin: the loop is held, but nothing waits on it;
 *  - with requests on the wire, futex waits of at most BUSY_SLICE_NS to BUSY_GUARD_NS before the
 *    target, each followed by an event-loop turn that reads the sockets (another stream's chunk
 *    is stamped at most a slice late); then only turns (exact stamps), then a spin of at most
 *    BUSY_SPIN_NS. Turns all the way (no futex) cost ~1 ms of CPU per credit, and on 2 cores that
 *    CPU came out of everyone's lag; futex slices all the way overshot the target (a futex wakes
 *    ~75 µs late at p50).
 * Credits waiting together share one queue, earliest first, so a wait for one never holds the loop
 * past another's earlier target. A credit already due is sent at once, with no wait and no turn.
 */
import { monoNs } from "../../core/clock.ts";
import { sleepMs } from "../../core/timer.ts";

/** Timers aim this far before the target (a timer is never early, and rarely this late). */
export const WAKE_MARGIN_NS = 600_000;
/** An idle worker's futex wait ends this far before the target (it wakes up to ~160 µs late); a spin does the rest. */
export const SPIN_GUARD_NS = 200_000;
/** The longest a busy worker's event loop is held by a spin. */
export const BUSY_SPIN_NS = 30_000;
/** The longest a busy worker's event loop is held by one futex wait. */
export const BUSY_SLICE_NS = 100_000;
/** A busy worker's futex waits end this far before the target; event-loop turns do the rest. */
const BUSY_GUARD_NS = 150_000;
/** A turn longer than this ran callbacks: the loop has work, so a busy wait only turns. */
const LOADED_TURN_NS = 50_000;

/** The clock and waits the queue uses; tests pass a simulated one. */
export type SendClock = {
  nowNs(): number;
  sleepMs(ms: number, signal?: AbortSignal): Promise<void>;
  /** A blocking wait (futex) of about `ns`. */
  block(ns: number): void;
  /** The next event-loop turn. */
  turn(): Promise<void>;
};

const CELL = new Int32Array(new SharedArrayBuffer(4));
const hostClock: SendClock = {
  nowNs: monoNs,
  sleepMs,
  block: (ns) => void Atomics.wait(CELL, 0, 0, ns / 1e6),
  turn: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

type Waiter = { targetNs: number; resolve: () => void; done: boolean };

/** Every waiting credit of one worker, earliest target first. */
export class SendQueue {
  readonly #clock: SendClock;
  /** True while any of the worker's requests is on the wire: the loop must keep turning. */
  readonly #busy: () => boolean;
  #waiting: Waiter[] = [];
  /** Bumped whenever the earliest target changes: an older pump stops at its next step. */
  #generation = 0;
  #timer: AbortController | undefined;
  /** How long the last event-loop turn of a busy wait took. */
  #lastTurnNs = 0;

  constructor(busy: () => boolean, clock: SendClock = hostClock) {
    this.#busy = busy;
    this.#clock = clock;
  }

  /**
   * Undefined when the request should go now (no await, no extra turn). Otherwise a wait that
   * ends at or after `intendedNs`, or at once when `signal` aborts.
   */
  until(intendedNs: number, signal?: AbortSignal): Promise<void> | undefined {
    if (intendedNs <= this.#clock.nowNs()) return undefined;
    return new Promise<void>((resolve) => {
      if (signal?.aborted === true) return void resolve();
      const w: Waiter = { targetNs: intendedNs, resolve, done: false };
      if (signal !== undefined) {
        const onAbort = (): void => {
          if (w.done) return;
          w.done = true;
          resolve();
          if (this.#waiting[0] === w) this.#restart();
        };
        signal.addEventListener("abort", onAbort, { once: true });
        w.resolve = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
      }
      let at = this.#waiting.length;
      while (at > 0 && (this.#waiting[at - 1] as Waiter).targetNs > intendedNs) at--;
      this.#waiting.splice(at, 0, w);
      // A new earliest target re-aims the wait; a later one is served after the earlier.
      if (at === 0) this.#restart();
    });
  }

  #restart(): void {
    this.#timer?.abort();
    this.#timer = undefined;
    void this.#pump(++this.#generation);
  }

  async #pump(generation: number): Promise<void> {
    for (;;) {
      if (generation !== this.#generation) return;
      while (this.#waiting[0]?.done === true) this.#waiting.shift();
      const top = this.#waiting[0];
      if (top === undefined) return;
      const leftNs = top.targetNs - this.#clock.nowNs();
      const timerMs = Math.floor((leftNs - WAKE_MARGIN_NS) / 1e6);
      if (timerMs >= 1) {
        const cancel = new AbortController();
        this.#timer = cancel;
        await this.#clock.sleepMs(timerMs, cancel.signal);
        if (this.#timer === cancel) this.#timer = undefined;
        continue;
      }
      const busy = this.#busy();
      if (busy && leftNs > BUSY_SPIN_NS) {
        // Only while the loop has nothing to do: a turn that ran callbacks (took long) means
        // sockets had data, and a futex wait then would sleep through work (at 2,000 req/s the
        // worker fell behind by 100 ms).
        if (leftNs > BUSY_GUARD_NS && this.#lastTurnNs < LOADED_TURN_NS) this.#clock.block(Math.min(BUSY_SLICE_NS, leftNs - BUSY_GUARD_NS));
        const before = this.#clock.nowNs();
        await this.#clock.turn();
        this.#lastTurnNs = this.#clock.nowNs() - before;
        continue;
      }
      if (!busy && leftNs > SPIN_GUARD_NS) this.#clock.block(leftNs - SPIN_GUARD_NS);
      this.#release();
      // The released requests go out (their continuations are queued ahead of this one) before
      // the next wait may block the loop: waiting on synchronously held a send up to ~1 ms.
      await undefined;
    }
  }

  /** Spins to the earliest target, then releases it and everything else due by then. */
  #release(): void {
    const now = this.#clock;
    const top = this.#waiting.shift() as Waiter;
    while (now.nowNs() < top.targetNs) {
      // The last stretch, shorter than a timer or a futex can resolve.
    }
    top.done = true;
    top.resolve();
    const nowNs = now.nowNs();
    while (this.#waiting.length > 0 && (this.#waiting[0] as Waiter).targetNs <= nowNs) {
      const w = this.#waiting.shift() as Waiter;
      if (!w.done) {
        w.done = true;
        w.resolve();
      }
    }
  }
}
