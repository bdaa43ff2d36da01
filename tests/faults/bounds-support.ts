/**
 * Helpers for the bounds fault tests: a private directory per scenario whose `tmp` is the runs' TMPDIR (so their temp directories can be
 * checked), and the failures an export counts. The runs and the scan for their processes are
 * ./support.ts's.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readExport } from "../e2e/support.ts";
import { freshDir, type LaunchOptions } from "./support.ts";

/**
 * A private directory for one scenario (its artifact dirs, input files, and `tmp`: the runs' TMPDIR
 * and working directory, so that their temp directories can be checked); removed by `done`.
 */
export function scratch(): { dir: string; tmp: string; where: LaunchOptions; done(): void } {
  const dir = freshDir("bounds-fault-");
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  return { dir, tmp, where: { cwd: tmp, tmp }, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Failed requests counted in profile_export_aiperf.json's error_summary in `dir`. */
export function exportErrors(dir: string): number {
  const doc = readExport<{ error_summary?: { count: number }[] }>(dir);
  return (doc.error_summary ?? []).reduce((n, e) => n + e.count, 0);
}
