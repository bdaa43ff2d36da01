/** The concurrency ceiling: credits outstanding across all phases, and a wait for room. */
export class ConcurrencyGate {
  readonly limit: number;
  #inUse = 0;
  #waiters: (() => void)[] = [];

  /** `limit` undefined means no ceiling. */
  constructor(limit: number | undefined) {
    this.limit = limit ?? Number.POSITIVE_INFINITY;
  }

  get inUse(): number {
    return this.#inUse;
  }

  isOpen(): boolean {
    return this.#inUse < this.limit;
  }

  take(): void {
    this.#inUse++;
  }

  release(): void {
    this.#inUse--;
    if (this.isOpen()) for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves when there is room, or when `signal` aborts (check it afterwards). */
  whenOpen(signal: AbortSignal): Promise<void> {
    if (this.isOpen() || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        signal.removeEventListener("abort", wake);
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve();
      };
      this.#waiters.push(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}
