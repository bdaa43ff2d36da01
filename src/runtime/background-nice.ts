/**
 * The services of the records path (records, record processors) run at a lower CPU priority than
 * the rest. They stamp nothing: every time they use was taken by a worker, so running them a
 * little later changes no figure. But they work in bursts at the very moments a worker is busiest:
 * a closed loop's replies end together, and the records of that wave (and, early in a run, their
 * JIT compiles) are parsed while the worker reads the next wave's first bytes. On a 2-core machine
 * shared with the server, profiled with `perf sched` at the demo's load at `--concurrency 64`, the
 * worker's longest event-loop stalls were mostly waits for a CPU held by the records service's
 * main and JIT threads. At nice 10 the worker gets the core first; records still gets any idle CPU,
 * and about a tenth of a contended one (docs/client-efficiency.md "The twelfth pass").
 *
 * Linux only (per-thread nice values; elsewhere nothing changes). A value the user set is kept; 0
 * turns it off.
 */
import { readdirSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

const KEY = "AIPERF_BACKGROUND_NICE";

/** The environment that asks a service process to lower its priority. */
export function backgroundNiceEnv(): Record<string, string> {
  return { [KEY]: process.env[KEY] ?? "10" };
}

/**
 * In a service process started with backgroundNiceEnv(): raises the nice value of each of its
 * threads by the amount asked (threads started later inherit it from the one that starts them).
 * Lowering a priority needs no privilege; whatever fails is left as it was.
 */
export function applyBackgroundNice(): void {
  const by = Number(process.env[KEY] ?? 0);
  if (!Number.isInteger(by) || by <= 0) return;
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      setPriority(Number(tid), Math.min(19, getPriority(Number(tid)) + by));
    } catch {
      // Gone meanwhile, or not allowed: left as it was.
    }
  }
}
