/**
 * An abortable wait of whole milliseconds. setTimeout, not Bun.sleep: Bun.sleep was measured to
 * overshoot by milliseconds, and a pending timer must end at once when its run is cancelled.
 */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
