/** Waiting for an absolute moment, so a stream's timing never drifts however late one timer fires. */

/**
 * Resolves once `performance.now()` has reached `target` (ms), or at once when `signal` aborts.
 * Bun's timers floor their delay to whole milliseconds and fire ~0.1 ms late, so asking for the
 * delay rounded up means a write is never early and at most about 1 ms late; since every target is
 * computed from the request's start, that lateness does not add up over a long stream. A busy-wait
 * would be more precise but would burn the CPU that the benchmark client on the same host needs.
 */
export async function sleepUntil(target: number, signal?: AbortSignal): Promise<void> {
  const sleeper = createSleeper(signal);
  try {
    await sleeper.until(target);
  } finally {
    sleeper.close();
  }
}

/**
 * Many waits as sleepUntil's on one signal (a stream's tokens) with one abort listener for all of
 * them, not one added and removed per wait; `close()` removes it.
 */
export function createSleeper(signal?: AbortSignal): { until(target: number): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = (): void => {
    clearTimeout(timer);
    wake?.();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    async until(target) {
      for (let left = target - performance.now(); left > 0 && signal?.aborted !== true; left = target - performance.now()) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.ceil(left));
        });
      }
    },
    close() {
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(timer);
    },
  };
}
