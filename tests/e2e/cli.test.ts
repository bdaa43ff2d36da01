import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../../src/core/version.ts";
import { childrenOf, isAlive, ROOT, waitUntil } from "../process/helpers.ts";
import { BINARY, ensureBinary } from "./support.ts";

const SOURCE = [process.execPath, join(ROOT, "src", "main.ts")];

type Run = { code: number; out: string };

async function run(cmd: string[], cwd: string): Promise<Run> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err };
}

/** Starts a long demo and resolves once its services are up, with the controller and its children. */
async function startLongDemo(): Promise<{ proc: Bun.Subprocess<"ignore", "pipe", "pipe">; children: number[] }> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-e2e-"));
  const proc = Bun.spawn([...SOURCE, "bus-demo", "--messages", "1000000000", "--workers", "8"], {
    cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  // Every log line goes to stderr (stdout is for results).
  const reader = proc.stderr.getReader();
  let seen = "";
  // A controller that outlives a failed test would run for hours: kill it on any early exit.
  const giveUp = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  try {
    while (!seen.includes("services registered")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`demo ended early: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
  } catch (error) {
    proc.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(giveUp);
  }
  // Keep draining both pipes so the controller never blocks on a full one.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
  void new Response(proc.stdout).text();
  return { proc, children: childrenOf(proc.pid) };
}

describe("the compiled binary", () => {
  beforeAll(async () => {
    await ensureBinary();
    expect(existsSync(BINARY)).toBe(true);
  }, 120_000);

  test("starts 1 + 8 children of itself that exchange 1 M credits and stop cleanly", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aiperf-e2e-"));
    // A compiled binary must not pick up the working directory's bunfig.toml or .env.
    writeFileSync(join(cwd, "bunfig.toml"), "this is [not toml\n");
    writeFileSync(join(cwd, ".env"), "BUN_CONFIG_MAX_HTTP_REQUESTS=not-a-number\n");
    const r = await run([BINARY, "bus-demo", "--log-level", "debug", "--artifact-dir", "out"], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toContain("9 services registered");
    expect(r.out).toContain("Exchanged 2000000 messages (1000000 credits out, 1000000 back)");
    expect(r.out).toContain("All services stopped");
    // Each worker child evaluated only its own role.
    for (let i = 0; i < 8; i++) expect(r.out).toMatch(new RegExp(`demo-worker:${i}: pid \\d+, loaded role:demo-worker\\n`));
    const logFile = readFileSync(join(cwd, "out", "logs", "aiperf.log"), "utf8");
    expect(logFile).toMatch(/\[demo-worker:3\] Shutting down: demo finished/);
  }, 60_000);

  test("--version prints the version alone (answered before the CLI loads)", async () => {
    const r = await run([BINARY, "--version"], tmpdir());
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${VERSION}\n`);
  });

  test("rejects a bad flag value with a message naming it and exit code 2", async () => {
    const r = await run([BINARY, "bus-demo", "--workers", "0"], tmpdir());
    expect(r.code).toBe(2);
    expect(r.out).toContain('Invalid value "0" for --workers');
  });
});

describe("the controller on signals", () => {
  test.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "on %s stops every child within 2 s and exits %i",
    async (signal, exitCode) => {
      const { proc, children } = await startLongDemo();
      try {
        expect(children.length).toBe(9);
        proc.kill(signal);
        expect(await proc.exited).toBe(exitCode);
      } finally {
        proc.kill("SIGKILL");
      }
      for (const pid of children) expect(await waitUntil(() => !isAlive(pid), 2000)).toBeGreaterThanOrEqual(0);
    },
    30_000,
  );

  test("killed outright (SIGKILL) leaves no orphan: children exit within 2 s", async () => {
    const { proc, children } = await startLongDemo();
    proc.kill("SIGKILL");
    await proc.exited;
    expect(children.length).toBe(9);
    for (const pid of children) expect(await waitUntil(() => !isAlive(pid), 2000)).toBeGreaterThanOrEqual(0);
  }, 30_000);
});
