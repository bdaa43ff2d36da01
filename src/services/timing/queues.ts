/**
 * Credits a worker holds (docs/client-efficiency.md "Ninth pass"): in a closed loop at full concurrency, timing sends
 * each worker a few credits beyond its slots, marked queued. The worker starts one in the same
 * turn as one of its own requests ends, and its return says which (CreditReturn.started), so the
 * slot moves from the finished credit to the started one without a round trip through timing.
 * This keeps, per worker, how many slots its credits hold and how many queued credits it has not
 * started yet. A queued credit only ever takes the slot of a finished credit of the same worker,
 * so the concurrency ceiling (gate.ts) still counts every request that can be on the wire.
 */
type Share = { slots: number; queued: number };

export class CreditQueues {
  /**
   * Queued credits per slot a worker holds: 1 = one for each of its requests, 0.5 = half as many
   * (at least one), 0 = none. Per slot rather than per worker: one worker may hold all the slots
   * (a 2-core machine runs one worker), and within one round trip of a return many of its
   * requests end; each should find a credit waiting. Never more than its slots, since each needs a
   * request of its own to end.
   */
  readonly depth: number;
  #shares = new Map<string, Share>();
  #queued = 0;

  constructor(depth: number) {
    this.depth = depth;
  }

  /** Queued credits sent and not yet started or returned unsent, all workers together. */
  get queued(): number {
    return this.#queued;
  }

  #share(worker: string): Share {
    let share = this.#shares.get(worker);
    if (share === undefined) this.#shares.set(worker, (share = { slots: 0, queued: 0 }));
    return share;
  }

  /** A credit of `worker` took a concurrency slot. */
  taken(worker: string): void {
    this.#share(worker).slots++;
  }

  /** A credit of `worker` that held a slot came back. */
  freed(worker: string): void {
    const share = this.#shares.get(worker);
    if (share !== undefined && share.slots > 0) share.slots--;
  }

  /** A queued credit went to `worker`. */
  queuedTo(worker: string): void {
    this.#share(worker).queued++;
    this.#queued++;
  }

  /** `worker` started a queued credit in the slot of one that ended (freed is called for that one). */
  started(worker: string): void {
    const share = this.#share(worker);
    share.queued--;
    share.slots++;
    this.#queued--;
  }

  /** A queued credit of `worker` came back unsent. */
  dropped(worker: string): void {
    const share = this.#shares.get(worker);
    if (share === undefined || share.queued === 0) return;
    share.queued--;
    this.#queued--;
  }

  /**
   * The worker that should get the next queued credit: one with a request in a slot and room in its
   * queue, the shortest queue relative to its slots first; undefined when none has room.
   */
  pick(): string | undefined {
    let best: string | undefined;
    let bestFill = Number.POSITIVE_INFINITY;
    for (const [worker, share] of this.#shares) {
      if (share.slots === 0 || share.queued >= this.limit(share.slots)) continue;
      const fill = share.queued / share.slots;
      if (fill < bestFill) {
        best = worker;
        bestFill = fill;
      }
    }
    return best;
  }

  /** The most queued credits a worker holding `slots` slots gets. */
  limit(slots: number): number {
    return this.depth <= 0 ? 0 : Math.min(slots, Math.max(1, Math.ceil(slots * this.depth)));
  }

  /** `worker` cannot be reached: no queued credit goes to it any more (those it held are lost with it). */
  remove(worker: string): void {
    const share = this.#shares.get(worker);
    if (share === undefined) return;
    this.#queued -= share.queued;
    this.#shares.delete(worker);
  }
}
