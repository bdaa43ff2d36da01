/**
 * The environment of the services that handle every request's bytes (workers, record processors,
 * records). Bun allocates buffers and strings with mimalloc, which by default hands freed pages
 * back to the kernel soon after (madvise) and then takes a page fault for each one it reuses:
 * profiled at c=16 with 50-chunk replies, the record processor took ~16 minor faults per request
 * and 40 % of its CPU was kernel time. MIMALLOC_PURGE_DELAY=-1 keeps freed pages for reuse (a
 * process's resident memory stays at its peak instead): record processor and records CPU per
 * request −40–45 %, worker −5–20 %, resident memory +7–32 MiB each (README "Client efficiency").
 * Shorter delays (100 ms, 1 s, 10 s) did not help. A value the user set is kept.
 */
export function allocatorEnv(): Record<string, string> {
  return { MIMALLOC_PURGE_DELAY: process.env.MIMALLOC_PURGE_DELAY ?? "-1" };
}
