/**
 * Sleeping until an exact instant. Bun timers take whole milliseconds (they floor the argument)
 * and fire 0.1–0.6 ms late (reference/bun-runtime.md §9), which at hundreds of requests per
 * second would both quantize and under-deliver the rate. So, three stages: a timer for the whole
 * milliseconds up to TIMER_MARGIN_NS + SPIN_GUARD_NS before the target; a futex wait
 * (Atomics.wait takes fractional milliseconds) to SPIN_GUARD_NS before it; a spin on the clock
 * for the rest. The last two block the event loop for at most ~2 ms, which is why only credit
 * sends use them. The timing service no longer uses it for credits (they leave SEND_LEAD_NS
 * early on plain timers and the worker waits the rest, clock.ts); it stays as the single-process
 * floor that scripts/bench/pacer-only.ts measures.
 * Concurrent sleepers (the rate loop, sessions' next turns, users) share one queue, so one spin
 * never runs past another sleeper's earlier target.
 */
import { sleepMs } from "../../core/timer.ts";

/**
 * Where the spin takes over: the futex wait aims this far before the target. It wakes ~75 µs
 * late at p50 and ~160 µs at p99 on an idle VM (measured with Atomics.wait), the spin the rest.
 */
const SPIN_GUARD_NS = 200_000;

/** How much earlier than the futex stage the timer aims: a timer can be this late, and is never early. */
const TIMER_MARGIN_NS = 1_000_000;

/**
 * How long a run of already-due targets may hold the event loop. Credits due together (a Poisson
 * cluster, a catch-up) then leave in one bus flush instead of one event-loop turn apart each.
 */
export const MAX_HOLD_NS = 200_000;

const WAIT_CELL = new Int32Array(new SharedArrayBuffer(4));

type Sleeper = { targetNs: number; resolve: () => void; settled: boolean };

/**
 * Every precise sleeper of one clock, earliest target first: one timer and one spin serve them
 * all. Independent sleepers (many sessions' next turns) would spin over each other's targets: one
 * spinning to its target holds the loop while an earlier target passes. Here the earliest always
 * goes first, and everything due when a spin ends is released together.
 */
class PreciseQueue {
  readonly #now: () => number;
  #heap: Sleeper[] = [];
  #timer: Timer | undefined;
  #turnPending = false;
  /** When the queue last ran from an event-loop turn of its own. */
  lastTurnNs = Number.NEGATIVE_INFINITY;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** True when nothing queued is due before `targetNs` (a due target may then skip the queue). */
  isFirst(targetNs: number): boolean {
    const top = this.#heap[0];
    return top === undefined || top.targetNs > targetNs;
  }

  add(sleeper: Sleeper): void {
    heapPush(this.#heap, sleeper);
    this.#nextTurn();
  }

  /** An aborted sleeper: if the timer was aimed at it, re-aim (a dropped 60 s wait must not hold a timer). */
  abandoned(sleeper: Sleeper): void {
    if (this.#heap[0] === sleeper) this.#nextTurn();
  }

  /** Runs the queue on the next event-loop turn (so the bus flushes and I/O runs in between). */
  #nextTurn(): void {
    if (this.#turnPending) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#turnPending = true;
    setImmediate(() => {
      this.#turnPending = false;
      this.#pump();
    });
  }

  #pump(): void {
    const heap = this.#heap;
    while (heap[0]?.settled === true) heapPop(heap);
    const top = heap[0];
    if (top === undefined) return;
    this.lastTurnNs = this.#now();
    const timerMs = Math.floor((top.targetNs - this.lastTurnNs - SPIN_GUARD_NS - TIMER_MARGIN_NS) / 1e6);
    if (timerMs >= 1) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, timerMs);
      return;
    }
    // Too close for a timer, and looping on event-loop turns would burn a core the workers need:
    // a futex wait hands the CPU back instead. It holds this loop for at most ~2 ms (the bus
    // flushed before: its flush was queued ahead of this turn).
    const waitNs = top.targetNs - this.#now() - SPIN_GUARD_NS;
    if (waitNs > 0) Atomics.wait(WAIT_CELL, 0, 0, waitNs / 1e6);
    // Spin and release in a microtask: Bun drains microtasks some µs after a timer or immediate
    // callback returns, so releasing from the callback itself would add that gap after the target
    // (measured ~10 µs); inside the drain, the woken sleeper runs right after its release.
    queueMicrotask(() => this.#release());
  }

  #release(): void {
    const heap = this.#heap;
    while (heap[0]?.settled === true) heapPop(heap);
    // Taken off the heap before the spin, so nothing but the resolve follows the target.
    const top = heapPop(heap);
    if (top === undefined) return;
    const now = this.#now;
    const targetNs = top.targetNs;
    while (now() < targetNs) {
      // Spin: the last stretch is shorter than a timer can resolve.
    }
    top.settled = true;
    top.resolve();
    // Everything else due by now goes too, earliest first; continuations run after this returns.
    const nowNs = now();
    while (heap.length > 0 && (heap[0] as Sleeper).targetNs <= nowNs) {
      const s = heapPop(heap) as Sleeper;
      if (!s.settled) {
        s.settled = true;
        s.resolve();
      }
    }
    if (heap.length > 0) this.#nextTurn();
  }
}

const queues = new WeakMap<() => number, PreciseQueue>();

/**
 * Timer, futex wait, then spin; never returns before `targetNs` unless aborted. Concurrent
 * sleepers on the same clock function share one queue (PreciseQueue).
 */
export function preciseSleepUntil(targetNs: number, nowNs: () => number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  let queue = queues.get(nowNs);
  if (queue === undefined) queues.set(nowNs, (queue = new PreciseQueue(nowNs)));
  const startNs = nowNs();
  const held = startNs - queue.lastTurnNs;
  if (targetNs <= startNs && held >= 0 && held < MAX_HOLD_NS && queue.isFirst(targetNs)) return Promise.resolve();
  // Otherwise the event loop gets a turn first: above ~800 sends/s every target is closer than a
  // timer can resolve, and without the turn the bus never flushes, so credits left in one burst.
  return new Promise<void>((resolve) => {
    const sleeper: Sleeper = { targetNs, resolve, settled: false };
    if (signal !== undefined) {
      const onAbort = (): void => {
        if (sleeper.settled) return;
        sleeper.settled = true;
        resolve();
        (queue as PreciseQueue).abandoned(sleeper);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      sleeper.resolve = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
    }
    (queue as PreciseQueue).add(sleeper);
  });
}

/** Binary min-heap on targetNs. */
function heapPush(heap: Sleeper[], s: Sleeper): void {
  heap.push(s);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((heap[parent] as Sleeper).targetNs <= s.targetNs) break;
    heap[i] = heap[parent] as Sleeper;
    i = parent;
  }
  heap[i] = s;
}

function heapPop(heap: Sleeper[]): Sleeper | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= heap.length) break;
    const r = l + 1;
    const c = r < heap.length && (heap[r] as Sleeper).targetNs < (heap[l] as Sleeper).targetNs ? r : l;
    if ((heap[c] as Sleeper).targetNs >= last.targetNs) break;
    heap[i] = heap[c] as Sleeper;
    i = c;
  }
  heap[i] = last;
  return top;
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
