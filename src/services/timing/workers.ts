/**
 * Which worker gets the next credit: the one with the fewest credits outstanding; among equals,
 * the next one after the previous pick, so an idle pool is used round-robin.
 */
type Entry = { id: string; load: number };

export class WorkerPool {
  #entries: Entry[];
  #byId: Map<string, Entry>;
  #cursor = 0;

  constructor(ids: readonly string[]) {
    this.#entries = ids.map((id) => ({ id, load: 0 }));
    this.#byId = new Map(this.#entries.map((e) => [e.id, e]));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Outstanding credits of `id` (0 if unknown). */
  load(id: string): number {
    return this.#byId.get(id)?.load ?? 0;
  }

  /** Picks the least-loaded worker and counts one more credit on it; undefined when none is left. */
  acquire(): string | undefined {
    const n = this.#entries.length;
    let best: Entry | undefined;
    let bestAt = 0;
    for (let i = 0; i < n; i++) {
      const at = (this.#cursor + i) % n;
      const entry = this.#entries[at] as Entry;
      if (best === undefined || entry.load < best.load) {
        best = entry;
        bestAt = at;
        if (entry.load === 0) break;
      }
    }
    if (best === undefined) return undefined;
    best.load++;
    this.#cursor = (bestAt + 1) % n;
    return best.id;
  }

  /** Counts one more credit on `id` (a session's sticky worker); false when `id` is gone. */
  acquireId(id: string): boolean {
    const entry = this.#byId.get(id);
    if (entry === undefined) return false;
    entry.load++;
    return true;
  }

  /** One credit of `id` came back (or was never delivered). */
  release(id: string): void {
    const entry = this.#byId.get(id);
    if (entry !== undefined && entry.load > 0) entry.load--;
  }

  /** Stops choosing `id` (its connection is gone). */
  remove(id: string): void {
    const entry = this.#byId.get(id);
    if (entry === undefined) return;
    const at = this.#entries.indexOf(entry);
    this.#entries.splice(at, 1);
    this.#byId.delete(id);
    if (this.#cursor > at) this.#cursor--;
    if (this.#cursor >= this.#entries.length) this.#cursor = 0;
  }
}
