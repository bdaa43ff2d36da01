/**
 * The environment of the service processes that do work for every request (workers, record
 * processors, records; timing too while it was a process: as a thread of the controller it has
 * the controller's allocator, controller/launchers.ts). Bun's native allocator, mimalloc, by default hands freed pages back to the
 * kernel soon after (madvise) and takes a page fault for each one it reuses: profiled at c=16
 * with 50-chunk replies, the record processor took ~16 minor faults per request and 40 % of its
 * CPU was kernel time. MIMALLOC_PURGE_DELAY=-1 keeps freed pages for reuse (a process's resident
 * memory stays at its peak instead): record processor and records CPU per request −40–55 %,
 * timing −30 %, worker −5–20 %, resident memory +3–32 MiB each (docs/client-efficiency.md).
 * Shorter delays (100 ms, 1 s, 10 s) did not help. The dataset service, idle during the run, is
 * left alone (+22 MiB, no gain). A value the user set is kept.
 */
export function allocatorEnv(): Record<string, string> {
  return { MIMALLOC_PURGE_DELAY: process.env.MIMALLOC_PURGE_DELAY ?? "-1" };
}
