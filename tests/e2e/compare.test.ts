/**
 * `aiperf compare` on the compiled binary: runs against mock servers whose TTFT differs (a
 * regression: exit 1) and against the same one (none: exit 0). The thresholds leave room for a
 * busy machine: its delay adds to both sides' TTFT (shrinking the relative change of +100 ms) and
 * its noise must not pass for a change of the same server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { BINARY, ensureBinary, type MockServer, runProfile, startMockServer } from "./support.ts";

const fast: { server?: MockServer } = {};
const slow: { server?: MockServer } = {};
const dirs: Record<string, string> = {};
const FLAGS = ["--streaming", "--request-count", "30", "--concurrency", "2", "--warmup-request-count", "2", "--isl", "16", "--osl", "8"];

beforeAll(async () => {
  await ensureBinary();
  fast.server = await startMockServer(["--ttft", "20", "--itl", "1"]);
  slow.server = await startMockServer(["--ttft", "120", "--itl", "1"]);
  for (const [name, server] of [
    ["base", fast.server],
    ["slower", slow.server],
    ["again", fast.server],
  ] as const) {
    const run = await runProfile(server.url, FLAGS);
    if (run.code !== 0) throw new Error(`profile ${name} failed (${run.code}):\n${run.out}`);
    dirs[name] = run.dir;
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([fast.server?.stop(), slow.server?.stop()]);
  for (const dir of Object.values(dirs)) rmSync(dirname(dir), { recursive: true, force: true });
});

async function compare(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([BINARY, "compare", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out, err };
}

describe("aiperf compare", () => {
  test("a server 100 ms slower to the first token: TTFT regressed with significance, exit 1", async () => {
    const r = await compare([dirs.base as string, dirs.slower as string, "--threshold", "20"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/time_to_first_token \(ms\)\s+│[^\n]*│ <0\.0001 │ REGRESSED/);
    expect(r.out).toContain("Regressed beyond 20% with 95% confidence: time_to_first_token");
  }, 60_000);

  test("the same server twice: no regression, exit 0", async () => {
    const r = await compare([dirs.base as string, dirs.again as string, "--threshold", "50"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("No metric regressed beyond 50% with 95% confidence");
    expect(r.out).not.toContain("REGRESSED");
  }, 60_000);

  test("--format json: the typed result; --metric picks what is gated", async () => {
    const r = await compare([dirs.base as string, dirs.slower as string, "--metric", "ttft", "--statistic", "p90", "--threshold", "20", "--format", "json"]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.out) as {
      statistic: string;
      regressed: string[];
      metrics: { metric: string; base: { n: number }; change: number; p: number }[];
    };
    expect(result.statistic).toBe("p90");
    expect(result.regressed).toEqual(["time_to_first_token"]);
    expect(result.metrics).toHaveLength(1);
    expect(result.metrics[0]?.base.n).toBe(30);
    // 20 ms → 120 ms less the load's own delay on both sides: well over the threshold, whatever the load.
    expect(result.metrics[0]?.change).toBeGreaterThan(0.2);
  }, 60_000);

  test("bad input: exit 2 with the reason", async () => {
    const missing = await compare([dirs.base as string]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("Missing NEW_DIR: usage is aiperf compare BASE_DIR NEW_DIR [OPTIONS]");
    const stat = await compare([dirs.base as string, dirs.again as string, "--statistic", "median"]);
    expect(stat.code).toBe(2);
    expect(stat.err).toContain('Invalid value "median" for --statistic: expected avg or a percentile from p0 to p100');
  }, 60_000);
});
