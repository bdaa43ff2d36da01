/**
 * What one input may hold in memory at once. Loaders stream, so a file's size is not limited;
 * what is: one line or one array element (a single request or conversation, parsed whole), and
 * a random_pool, whose entries are all kept to draw from. Past a limit the loader stops with an
 * error naming the file, the size and the limit, instead of growing until the machine swaps.
 */

/** One JSONL line / JSON array element: far above any request a server accepts. */
export const MAX_RECORD_BYTES = 128 * 1024 * 1024;

/** All files of one random_pool together (parsed, the entries take 2-3x their file size). */
export const MAX_POOL_BYTES = 1024 * 1024 * 1024;

/** e.g. "128 MiB", "1.5 GiB". */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
