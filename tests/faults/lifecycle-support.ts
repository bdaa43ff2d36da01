/**
 * Helpers of the run-lifecycle fault tests: the compiled binary started in its own process group (with
 * ./support.ts's marker, whose /proc scans find its service children and anything left running).
 */
import { join } from "node:path";
import { freshDir, type Launched, launch, profileArgs } from "./support.ts";

export type Run = Launched & { dir: string };

/**
 * `aiperf profile` against `url` in its own process group (so a test can signal the group without
 * signalling the test runner), its artifacts in `dir`. `wrapper` runs it under another command
 * (e.g. `timeout`); `env` is added to its environment.
 */
export function startRun(url: string, flags: string[], wrapper: string[] = [], env: Record<string, string> = {}): Run {
  const cwd = freshDir();
  const dir = join(cwd, "out");
  const run = launch(profileArgs(url, dir, ["--tokenizer", "builtin", "--no-gpu-telemetry", ...flags]), { cwd, detached: true, wrapper, env });
  return { ...run, dir };
}

/** Waits until `check` holds, polling; false after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(20);
  }
  return true;
}
