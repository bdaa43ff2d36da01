/**
 * The worker's event-loop lag: a timer every PROBE_MS, and how late each one fires. A worker
 * whose loop is held (a long callback, GC, CPU starvation) stamps response chunks late; the
 * records service turns this into the run-validity verdict (metrics/client-verdict.ts).
 */
import { monoNs } from "../../core/clock.ts";
import type { LoopLag } from "../../protocol/client-check.ts";

const PROBE_MS = 20;
/** Enough for hours of probes; older samples are overwritten (a ring). */
const MAX_SAMPLES = 1 << 18;

export class LoopLagMonitor {
  #samples = new Float64Array(1024);
  #count = 0;
  #timer: Timer | undefined;

  start(): void {
    if (this.#timer !== undefined) return;
    const arm = (): void => {
      const dueNs = monoNs() + PROBE_MS * 1e6;
      this.#timer = setTimeout(() => {
        this.add(Math.max(0, monoNs() - dueNs));
        arm();
      }, PROBE_MS);
      // Never the reason the process stays up.
      this.#timer.unref?.();
    };
    arm();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Forgets what was measured so far (the profiling phase starts). */
  reset(): void {
    this.#count = 0;
  }

  report(): LoopLag {
    const n = Math.min(this.#count, MAX_SAMPLES);
    if (n === 0) return { samples: 0, p99Ns: 0, maxNs: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    // Nearest rank: the sample at or below which 99% of them lie.
    const p99Ns = sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)] as number;
    return { samples: n, p99Ns, maxNs: sorted[n - 1] as number };
  }

  /** Records one probe's lateness (the timer calls it; tests too). */
  add(lateNs: number): void {
    const at = this.#count % MAX_SAMPLES;
    if (at >= this.#samples.length) {
      const next = new Float64Array(Math.min(MAX_SAMPLES, this.#samples.length * 2));
      next.set(this.#samples);
      this.#samples = next;
    }
    this.#samples[at] = lateNs;
    this.#count++;
  }
}
