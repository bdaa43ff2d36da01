/**
 * The worker's request deadlines (--request-timeout-seconds). Every request gets the same timeout,
 * so deadlines fall in the order requests start and one timer, armed for the earliest, serves them
 * all: no timer is created and cleared per request (the default timeout, 6 hours, never fires).
 * A deadline fires no earlier than its own timer would have, and as late as a timer is.
 */

/** Node and Bun fire a longer setTimeout at once; longer waits are re-armed in steps of this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type Deadline = { atMs: number; expire: () => void };

export class Deadlines {
  readonly #timeoutMs: number;
  /** Live deadlines in the order they were set, which is the order they fall due. */
  readonly #live = new Set<Deadline>();
  #timer: Timer | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Calls `expire` once, timeoutMs from now, unless `clear` comes first. */
  add(expire: () => void): Deadline {
    const d: Deadline = { atMs: performance.now() + this.#timeoutMs, expire };
    this.#live.add(d);
    if (this.#timer === undefined) this.#arm(d.atMs);
    return d;
  }

  clear(d: Deadline): void {
    this.#live.delete(d);
    // An armed timer for a deadline that is gone stays: it fires, finds nothing due, and re-arms.
    if (this.#live.size === 0) this.#disarm();
  }

  /** Drops every deadline (the worker stops). */
  stop(): void {
    this.#live.clear();
    this.#disarm();
  }

  #arm(atMs: number): void {
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(atMs - performance.now())));
    this.#timer = setTimeout(() => this.#fire(), wait);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const d of this.#live) {
      if (d.atMs > now) {
        this.#arm(d.atMs);
        return;
      }
      this.#live.delete(d);
      d.expire();
    }
  }
}
