/** Waiting for an absolute moment, so a stream's timing never drifts however late one timer fires. */

/**
 * Resolves once `performance.now()` has reached `target` (ms), or at once when `signal` aborts.
 * Bun's timers floor their delay to whole milliseconds and fire ~0.1 ms late, so asking for the
 * delay rounded up means a write is never early and at most about 1 ms late; since every target is
 * computed from the request's start, that lateness does not add up over a long stream. A busy-wait
 * would be more precise but would burn the CPU that the benchmark client on the same host needs.
 */
export function sleepUntil(target: number, signal?: AbortSignal): Promise<void> {
  if (target <= performance.now() || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const arm = (): void => {
      const left = target - performance.now();
      if (left <= 0) done();
      else timer = setTimeout(arm, Math.ceil(left));
    };
    signal?.addEventListener("abort", done, { once: true });
    arm();
  });
}
