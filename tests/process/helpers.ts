/** Shared pieces for the process-model tests: quiet loggers, pid checks, source entry command. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola, type ConsolaInstance } from "consola";

/** The repository root, so tests can start `bun src/main.ts`. */
export const ROOT = join(import.meta.dir, "..", "..");

/** A logger that keeps lines for assertions instead of printing them. */
export function memoryLogger(): { log: ConsolaInstance; lines: string[] } {
  const lines: string[] = [];
  const log = createConsola({
    level: 4,
    throttle: 0,
    reporters: [{ log: (o) => lines.push(`${o.type} [${o.tag}] ${o.args.map(String).join(" ")}`) }],
  });
  return { log, lines };
}

export function isAlive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); read its state to tell it from a live process.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Pids whose parent is `ppid`, read from /proc. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Polls until `check` is true or the time is up; returns how long it took, or -1. */
export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 20): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (check()) return performance.now() - t0;
    await Bun.sleep(stepMs);
  }
  return check() ? performance.now() - t0 : -1;
}
