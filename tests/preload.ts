/**
 * Every test file runs with TMPDIR set to one fresh directory of this `bun test` process, removed
 * when it exits: whatever a test (or a binary it starts) leaves in the temp directory, also when it
 * fails, goes with it, instead of piling up in /tmp run after run.
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (process.env.AIPERF_TEST_TMPDIR === undefined) {
  // Short: IPC socket paths under it must stay within 107 bytes.
  const dir = mkdtempSync(join(tmpdir(), "apt-"));
  process.env.AIPERF_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
  // In a preload, afterAll runs once, after every file (Bun's global teardown).
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
}
