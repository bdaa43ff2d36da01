/**
 * The records service's live view for the dashboard: a few numbers per record into fixed rings
 * (no allocation, no sorting on arrival); percentiles are computed only when a snapshot is taken,
 * at most 4 times a second, over the last RING records.
 */
import { LIVE_ERROR_KINDS, type LivePercentiles, type RecordsLive } from "../../protocol/live-stats.ts";
import { clientSendLagNs } from "../../metrics/arrival-fidelity.ts";
import { isValidRecord } from "../../metrics/record-metrics.ts";
import type { RequestRecord } from "../../records/record.ts";

/** Recent requests the percentiles cover: enough for a stable p99, small enough to sort at 4 Hz. */
export const RING = 2048;

class Ring {
  readonly #values = new Float64Array(RING);
  #count = 0;
  push(value: number): void {
    this.#values[this.#count % RING] = value;
    this.#count++;
  }
  percentiles(): LivePercentiles | undefined {
    const n = Math.min(this.#count, RING);
    if (n === 0) return undefined;
    const sorted = this.#values.slice(0, n).sort();
    const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i] as number;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: sum / n };
  }
  get size(): number {
    return Math.min(this.#count, RING);
  }
}

export class LiveStats {
  readonly #streaming: boolean;
  readonly #startupCredits: number;
  /** `startupCredits`: a closed loop's first credits (one per slot, all at once) stay out of the send lag, as in the verdict. */
  constructor(streaming: boolean, startupCredits = 0) {
    this.#streaming = streaming;
    this.#startupCredits = startupCredits;
  }
  #ok = 0;
  #failed = 0;
  #outputTokens = 0;
  readonly #ttft = new Ring();
  readonly #itl = new Ring();
  readonly #latency = new Ring();
  readonly #sendLag = new Ring();
  readonly #errors = new Map<string, number>();

  /** A profiling record, as it arrives; milliseconds from the record's nanosecond times. */
  add(record: RequestRecord): void {
    if (!isValidRecord(record)) {
      this.#failed++;
      const kind = record.error?.type ?? "Cancelled";
      // Bounded: a server that invents a new error type per request cannot grow this map.
      if (this.#errors.has(kind) || this.#errors.size < LIVE_ERROR_KINDS) this.#errors.set(kind, (this.#errors.get(kind) ?? 0) + 1);
      else this.#errors.set("other", (this.#errors.get("other") ?? 0) + 1);
      return;
    }
    this.#ok++;
    // As the verdict measures it: successful requests, from the later of the intended time and the slot's freeing.
    if (record.intendedNs !== undefined && record.sessionNum >= this.#startupCredits)
      this.#sendLag.push(Math.max(0, clientSendLagNs(record.startNs, record.intendedNs, record.readyNs)) / 1e6);
    const tokens = (record.outputTokens ?? 0) + (record.reasoningTokens ?? 0);
    this.#outputTokens += tokens;
    const chunks = record.responseNs;
    const first = chunks[0] as number;
    const last = chunks[chunks.length - 1] as number;
    this.#latency.push((last - record.startNs) / 1e6);
    if (!this.#streaming) return;
    this.#ttft.push((first - record.startNs) / 1e6);
    // As the final ITL, but with OSL − 1 as the divisor (the final table refines it per chunk).
    if (tokens > 1) this.#itl.push((last - first) / (tokens - 1) / 1e6);
  }

  snapshot(): RecordsLive {
    const optional = (key: "ttftMs" | "itlMs" | "latencyMs" | "sendLagMs", ring: Ring): Partial<RecordsLive> => {
      const p = ring.percentiles();
      return p === undefined ? {} : { [key]: p };
    };
    return {
      records: this.#ok + this.#failed,
      ok: this.#ok,
      failed: this.#failed,
      outputTokens: this.#outputTokens,
      window: this.#latency.size,
      ...optional("ttftMs", this.#ttft),
      ...optional("itlMs", this.#itl),
      ...optional("latencyMs", this.#latency),
      ...optional("sendLagMs", this.#sendLag),
      errors: [...this.#errors].sort((a, b) => b[1] - a[1]),
    };
  }
}
