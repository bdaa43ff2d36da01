/**
 * The timing service's sent counts (warmup, profiling), mirrored into a small shared file as they
 * change, so the controller knows how many requests a phase sent even when the service died
 * without answering: in a closed loop with one worker it runs in that worker's process and dies
 * with it (controller/timing-host.ts), and a thread can crash. The controller creates the file,
 * names it in the timing plan (`sentCountsPath`), and reads it only when no timing result came.
 */
import { writeFileSync } from "node:fs";
import type { Phase } from "./pipeline.ts";

const SLOTS: Record<Phase, number> = { warmup: 0, profiling: 1 };
/** One float64 per phase. */
const COUNTS = 2;

/** A fresh file of zero counts. */
export function createSentCounts(path: string): void {
  writeFileSync(path, new Uint8Array(8 * COUNTS));
}

/** The timing service's side: a setter that stores a phase's count in the shared mapping. */
export function sentCountsWriter(path: string): (phase: Phase, sent: number) => void {
  const bytes = Bun.mmap(path);
  const counts = new Float64Array(bytes.buffer, bytes.byteOffset, COUNTS);
  return (phase, sent) => {
    counts[SLOTS[phase]] = sent;
  };
}

/** The controller's side: the profiling phase's count as last stored; undefined if the file cannot be read. */
export function readProfilingSent(path: string): number | undefined {
  try {
    const bytes = Bun.mmap(path, { shared: false });
    return new Float64Array(bytes.buffer, bytes.byteOffset, COUNTS)[SLOTS.profiling];
  } catch {
    return undefined;
  }
}
