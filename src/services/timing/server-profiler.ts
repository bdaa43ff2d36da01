/**
 * --server-profiler in the timing role: the profiler is started once warmup has drained and before
 * the first profiling credit, and stopped once profiling has ended, as upstream brackets its
 * profiling phase. A failed start fails the run (TimingResult.controlError); a failed stop is
 * only a warning, so it never hides the results.
 */
import { type ControlCalls, startProfiler, stopProfiler } from "../../endpoints/control-requests.ts";

type Log = { info(message: string): void; warn(message: string): void };

export function profilerDeps(
  calls: { start: ControlCalls; stop: ControlCalls },
  log: Log,
): { beforeProfiling(): Promise<void>; afterProfiling(): Promise<void> } {
  return {
    async beforeProfiling() {
      try {
        await startProfiler(calls.start, calls.stop, (m) => log.warn(m));
      } catch (error) {
        throw new Error(`--server-profiler: the profiler did not start (${(error as Error).message}), so profiling was not run`);
      }
      log.info(`Server profiler started (${calls.start.urls.join(", ")})`);
    },
    async afterProfiling() {
      try {
        await stopProfiler(calls.stop);
        log.info(`Server profiler stopped (${calls.stop.urls.join(", ")})`);
      } catch (error) {
        log.warn(`--server-profiler: stopping the profiler failed: ${(error as Error).message}`);
      }
    },
  };
}
