/** The sent counts timing mirrors into a shared file, for the controller should timing die. */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSentCounts, readProfilingSent, sentCountsWriter } from "../../src/protocol/sent-counts.ts";

const dir = mkdtempSync(join(tmpdir(), "sent-counts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a fresh file reads 0; the writer's last profiling count is what a reader sees; warmup's is apart", () => {
  const path = join(dir, "a.bin");
  createSentCounts(path);
  expect(readProfilingSent(path)).toBe(0);
  const write = sentCountsWriter(path);
  write("warmup", 20);
  write("profiling", 1);
  write("profiling", 12_345);
  expect(readProfilingSent(path)).toBe(12_345);
});

test("a child process's counts survive its SIGKILL", async () => {
  const path = join(dir, "b.bin");
  createSentCounts(path);
  const script = `const { sentCountsWriter } = await import(${JSON.stringify(join(import.meta.dir, "../../src/protocol/sent-counts.ts"))});
const write = sentCountsWriter(${JSON.stringify(path)});
for (let i = 1; i <= 777; i++) write("profiling", i);
console.log("written");
setInterval(() => {}, 1000);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
  const reader = child.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain("written");
  child.kill("SIGKILL");
  await child.exited;
  expect(readProfilingSent(path)).toBe(777);
});

test("no file: unknown, not a throw", () => {
  expect(readProfilingSent(join(dir, "missing.bin"))).toBeUndefined();
});
