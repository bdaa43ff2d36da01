/**
 * The worker's event-loop lag: a timer every PROBE_MS, and how late each one fires. A worker
 * whose loop is held (a long callback, GC, CPU starvation) stamps response chunks late; the
 * records service turns this into the run-validity verdict (metrics/client-verdict.ts).
 *
 * On Linux each probe also reads how long the thread ran and how long it sat runnable waiting for
 * a CPU (/proc/thread-self/schedstat) over its window, so the verdict can say which it was: the
 * worker's own work, other processes (the server on the same machine, other jobs) holding the
 * cores, or neither: the thread asleep past its timer, because the machine woke an idle CPU late
 * (a virtual machine's host busy elsewhere: on the 2-core VM this was built on, a halted vCPU
 * once held every timer queued on it for 19 ms while the other vCPU ran). One pread per probe.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { monoNs } from "../../core/clock.ts";
import type { LoopLag } from "../../protocol/client-check.ts";

/**
 * 5 ms, not 20: a stall counts only if a probe falls due inside it, and a short run's p99 must be a
 * p99, not its worst probe (a 200-request demo run at c=64 has ~85 probes at 20 ms, ~420 at 5).
 * Measured against the server's own write times (`npm run bench:stamps`, docs/client-efficiency.md "The eleventh
 * pass"), the 20 ms probe flagged 6 of 12 runs of the demo's load at c=64, 5 of them with every
 * token's stamping delay p99 under 3 ms, and passed one whose TTFT error p99 was 24 ms; the 5 ms
 * probe flagged 3 of 12, among them the two with the largest TTFT errors. Idle, it costs ~200
 * timer wake-ups a second; busy, the loop is awake anyway.
 */
const PROBE_MS = 5;
/** ~87 minutes of probes; older samples are overwritten (a ring). */
const MAX_SAMPLES = 1 << 20;

/** This thread's cumulative [ran, waited for a CPU] ns, or null where the kernel does not say. */
class SchedStat {
  #fd: number | null;
  #buf = Buffer.alloc(96);

  constructor() {
    try {
      this.#fd = openSync("/proc/thread-self/schedstat", "r");
    } catch {
      this.#fd = null;
    }
  }

  read(): [number, number] | null {
    if (this.#fd === null) return null;
    try {
      const n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
      const [ran, waited] = this.#buf.toString("latin1", 0, n).split(" ");
      const r = Number(ran);
      const w = Number(waited);
      return Number.isFinite(r) && Number.isFinite(w) ? [r, w] : null;
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}

export class LoopLagMonitor {
  /** Per probe: how late it fired, and the thread's run and CPU-wait ns over its window (NaN: unknown). */
  // Float32: ns of a 5 ms window and its lateness keep ~7 significant digits; a full ring is 12 MB.
  #late = new Float32Array(1024);
  #ran = new Float32Array(1024);
  #waited = new Float32Array(1024);
  #count = 0;
  #timer: Timer | undefined;
  #sched: SchedStat | undefined;

  start(): void {
    if (this.#timer !== undefined) return;
    const sched = new SchedStat();
    this.#sched = sched;
    // One read per probe: the figures at a probe's end open the next probe's window.
    const arm = (before: [number, number] | null): void => {
      const dueNs = monoNs() + PROBE_MS * 1e6;
      this.#timer = setTimeout(() => {
        const lateNs = Math.max(0, monoNs() - dueNs);
        const after = before === null ? null : sched.read();
        if (before === null || after === null) this.add(lateNs);
        else this.add(lateNs, after[0] - before[0], after[1] - before[1]);
        arm(after ?? sched.read());
      }, PROBE_MS);
      // Never the reason the process stays up.
      this.#timer.unref?.();
    };
    arm(sched.read());
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sched?.close();
    this.#sched = undefined;
  }

  /** Forgets what was measured so far (the profiling phase starts). */
  reset(): void {
    this.#count = 0;
  }

  /**
   * p99 and max lateness; and, over the probes at or above the p99 (the late stretches the verdict
   * judges), the share of the thread's busy time spent waiting for a CPU, and the share of their
   * lateness spent asleep past the timer, where the kernel said.
   */
  report(): LoopLag {
    const n = Math.min(this.#count, MAX_SAMPLES);
    if (n === 0) return { samples: 0, p99Ns: 0, maxNs: 0 };
    const sorted = this.#late.slice(0, n).sort();
    // Nearest rank: the sample at or below which 99% of them lie.
    const p99Ns = sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)] as number;
    let ran = 0;
    let waited = 0;
    let late = 0;
    let overslept = 0;
    for (let i = 0; i < n; i++) {
      if ((this.#late[i] as number) < p99Ns || Number.isNaN(this.#ran[i])) continue;
      ran += this.#ran[i] as number;
      waited += this.#waited[i] as number;
      const lateNs = this.#late[i] as number;
      late += lateNs;
      // Of the lateness, what the thread spent neither running nor waiting for a CPU was sleep
      // past the due time: at least lateness − ran − waited (a lower bound: run or wait time
      // before the due time counts against it too).
      overslept += Math.max(0, lateNs - (this.#ran[i] as number) - (this.#waited[i] as number));
    }
    const out: LoopLag = { samples: n, p99Ns, maxNs: sorted[n - 1] as number };
    if (ran + waited > 0) out.tailCpuWaitShare = waited / (ran + waited);
    if (late > 0) out.tailLateWakeShare = overslept / late;
    return out;
  }

  /** Records one probe: its lateness, and the thread's run and CPU-wait ns over its window if known (the timer calls it; tests too). */
  add(lateNs: number, ranNs = Number.NaN, waitedNs = Number.NaN): void {
    const at = this.#count % MAX_SAMPLES;
    if (at >= this.#late.length) {
      const size = Math.min(MAX_SAMPLES, this.#late.length * 2);
      this.#late = grow(this.#late, size);
      this.#ran = grow(this.#ran, size);
      this.#waited = grow(this.#waited, size);
    }
    this.#late[at] = lateNs;
    this.#ran[at] = ranNs;
    this.#waited[at] = waitedNs;
    this.#count++;
  }
}

function grow(a: Float32Array<ArrayBuffer>, size: number): Float32Array<ArrayBuffer> {
  const next = new Float32Array(size);
  next.set(a);
  return next;
}
