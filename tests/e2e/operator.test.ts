/**
 * What an operator sees of the compiled binary: a client verdict that does not cry wolf, a log file
 * that holds the run's facts, logs on stderr (never inside the stdout tables), the files written,
 * no escape codes when piped, and a status line on stderr when stderr is not a terminal.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BINARY, ensureBinary, type MockServer, onTestTransport, readExport, readRecords, runProfile, startMockServer } from "./support.ts";

const ESC = "\x1b";
const dirs: string[] = [];
let server: MockServer | undefined;
let failing: MockServer | undefined;

beforeAll(async () => {
  await ensureBinary();
  [server, failing] = await Promise.all([startMockServer(["--ttft", "60", "--itl", "4"]), startMockServer(["--error-rate", "100"])]);
}, 180_000);

afterAll(async () => {
  await Promise.all([server?.stop(), failing?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const url = (s: MockServer | undefined): string => {
  if (s === undefined) throw new Error("the mock server has not started");
  return s.url;
};

/** The binary with stdout and stderr kept apart (runProfile joins them). */
async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-operator-"));
  dirs.push(cwd);
  const proc = Bun.spawn([BINARY, ...onTestTransport(args)], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 100_000);
  try {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    return { code: await proc.exited, stdout, stderr, cwd };
  } finally {
    clearTimeout(timer);
  }
}

/** A loopback port with nothing listening: bound, then closed. */
function closedPort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

const SMALL = ["--streaming", "--osl", "8", "--isl", "32"];

describe("the client verdict does not cry wolf (compiled)", () => {
  test("every request failing: exit 1, no bottleneck verdict, run_validity not judged", async () => {
    const r = await runProfile(url(failing), [...SMALL, "--concurrency", "4", "--request-count", "40"]);
    dirs.push(join(r.dir, ".."));
    expect(r.code).toBe(1);
    expect(r.out).toContain("Every request failed");
    expect(r.out).not.toContain("client was the bottleneck");
    expect(readExport(r.dir).run_validity).toMatchObject({ valid: true, judged: false, reasons: [] });
  }, 120_000);

  test("nothing listening: no bottleneck verdict, a failure exit", async () => {
    const r = await runProfile(`127.0.0.1:${closedPort()}`, [...SMALL, "--concurrency", "2", "--request-count", "10", "--request-timeout-seconds", "5"]);
    dirs.push(join(r.dir, ".."));
    // 1 (every request failed) today; a pre-flight check may stop it earlier with 2. Never 0.
    expect([1, 2]).toContain(r.code);
    expect(r.out).not.toContain("client was the bottleneck");
  }, 120_000);

  test("multi-turn with turn delays: turns waiting for their delay or a concurrency slot are not client lag", async () => {
    // 60 turns of 3-turn sessions, 100 ms between turns, 4 slots: a turn whose delay ends while all
    // slots are busy waits for one (~a request's latency), which used to read as 90-190 ms of lag.
    const r = await runProfile(url(server), [
      ...SMALL,
      "--concurrency",
      "4",
      "--request-count",
      "60",
      "--conversation-num",
      "20",
      "--conversation-turn-mean",
      "3",
      "--conversation-turn-delay-mean",
      "100",
      // Bounds a shared 2-core machine meets (a stalled loop or ~1 ms mean lag there is real lag);
      // the held turns' 90+ ms from their intended time are far above them.
      "--client-bottleneck-loop-lag-ms",
      "10000",
      "--client-bottleneck-send-lag-ms",
      "10",
    ]);
    dirs.push(join(r.dir, ".."));
    expect(r.code).toBe(0);
    const doc = readExport(r.dir);
    expect(readRecords(r.dir).some((l) => l.metadata.turn_index > 0)).toBe(true);
    // Measured from the intended time, the held turns were late by far more than the bound ...
    expect(doc.run_validity.bounds.send_lag_mean_ms).toBe(10);
    expect(doc.send_lag.max).toBeGreaterThan(30);
    // ... but counted from when they could go, the client kept up.
    expect(doc.run_validity).toMatchObject({ valid: true, judged: true, reasons: [] });
    expect(r.out).not.toContain("client was the bottleneck");
    expect(r.out).toContain("Client check: send lag mean");
  }, 120_000);
});

describe("logs, streams and files (compiled)", () => {
  test("logs/aiperf.log always exists and holds version, config (redacted), target, processes, phases, verdict and exit", async () => {
    for (const level of ["info", "warn"]) {
      const r = await runProfile(url(server), [
        ...SMALL,
        "--concurrency",
        "2",
        "--request-count",
        "8",
        "--api-key",
        "sk-very-secret",
        "--log-level",
        level,
        "--tokenizer",
        "builtin",
      ]);
      dirs.push(join(r.dir, ".."));
      expect(r.code).toBe(0);
      const file = join(r.dir, "logs", "aiperf.log");
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, "utf8");
      expect(text).toMatch(/aiperf v\d+\.\d+\.\d+: aiperf profile /);
      expect(text).toContain(`Target: ${url(server)}/v1/chat/completions (model mock-model, chat, streaming, concurrency 2)`);
      expect(text).toMatch(/Processes: 1 worker \(timing runs in it\), records \(which parses the replies\)/);
      expect(text).toContain('Resolved config: {"model":["mock-model"]');
      expect(text).toContain('"apiKey":"<redacted>"');
      expect(text).not.toContain("sk-very-secret");
      expect(text).toMatch(/Client check: |Run invalid: /);
      expect(text).toContain("Exit 0: 8 requests succeeded, 0 failed");
      expect(text).toContain("Phase profiling started: 8 requests");
      expect(text).toContain("Phase profiling ended: 8 sent, 8 completed");
    }
  }, 180_000);

  test("a failed run's log file says why it exited", async () => {
    const r = await runProfile(url(failing), [...SMALL, "--request-count", "4"]);
    dirs.push(join(r.dir, ".."));
    expect(r.code).toBe(1);
    expect(readFileSync(join(r.dir, "logs", "aiperf.log"), "utf8")).toContain("Exit 1: Every request failed (4 of 4)");
  }, 120_000);

  test("-v: debug lines go to stderr, stdout holds only the results and the files written, every one of which exists", async () => {
    const r = await run(["profile", "-m", "mock-model", "-u", url(server), ...SMALL, "--request-count", "6", "--artifact-dir", "out", "--ui", "none", "-v"], {
      NO_COLOR: "1",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[debug]");
    expect(r.stderr).toContain("Dataset: ");
    for (const marker of ["[debug]", "[info]", "Dataset: ", "Phase profiling", "aiperf v"]) expect(r.stdout).not.toContain(marker);
    expect(r.stdout).toContain("NVIDIA AIPerf | LLM Metrics");
    const listed = /Files written to (.+):\n((?: {2}.+\n)+)/.exec(r.stdout);
    expect(listed?.[1]).toBe(join(r.cwd, "out"));
    const files = (listed?.[2] ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((f) => resolve(listed?.[1] ?? "", f));
    for (const name of ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl", "inputs.json", "logs/aiperf.log"]) {
      expect(files).toContain(join(r.cwd, "out", name));
    }
    for (const f of files) expect(existsSync(f)).toBe(true);
  }, 120_000);

  test("piped or NO_COLOR: no escape codes in any output (runs, warnings, help of every command, errors)", async () => {
    const outputs: string[] = [];
    const envs: Record<string, string>[] = [{ NO_COLOR: "1" }, {}];
    for (const env of envs) {
      // No --tokenizer: the missing-tokenizer warning is printed too.
      const r = await run(["profile", "-m", "mock-model", "-u", url(server), ...SMALL, "--request-count", "4", "--artifact-dir", "out"], env);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("WARN".toLowerCase());
      outputs.push(r.stdout, r.stderr);
      for (const args of [
        ["--help"],
        ["profile", "--help"],
        ["mock-server", "--help"],
        ["bus-demo", "--help"],
        ["no-such-command"],
        ["profile", "--no-such-flag"],
      ]) {
        const h = await run(args, env);
        outputs.push(h.stdout, h.stderr);
      }
    }
    for (const o of outputs) expect(o.includes(ESC)).toBe(false);
  }, 180_000);

  test("stderr not a terminal and no --ui: a one-line status on stderr every few seconds", async () => {
    const r = await run(
      ["profile", "-m", "mock-model", "-u", url(server), ...SMALL, "--concurrency", "1", "--benchmark-duration", "8", "--artifact-dir", "out"],
      { NO_COLOR: "1" },
    );
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("aiperf: Requests (Profiling) "));
    // One when the phase starts, at least one more 5 s in, one at the end.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/\| \d+ s$/);
    expect(r.stdout).not.toContain("aiperf: Requests");
  }, 120_000);

  test("help: one style for every command, topics and examples, the hidden gpu-check runs but is not listed", async () => {
    const root = await run(["--help"]);
    expect(root.stdout).toStartWith("aiperf v");
    expect(root.stdout).toContain("COMMANDS");
    expect(root.stdout).not.toContain("gpu-check");
    expect(root.stdout).not.toContain("__service");
    for (const [cmd, topic] of [
      ["profile", "SERVER AND ENDPOINT"],
      ["mock-server", "INJECTED FAULTS"],
      ["bus-demo", "PROCESSES AND TRANSPORT"],
    ] as const) {
      const h = await run([cmd, "--help"], { COLUMNS: "80" });
      expect(h.code).toBe(0);
      expect(h.stdout).toStartWith(`aiperf ${cmd} v`);
      for (const heading of ["USAGE", "EXAMPLES", topic]) expect(h.stdout).toContain(`\n${heading}\n`);
      for (const line of h.stdout.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    }
    const gpu = await run(["gpu-check"]);
    expect(gpu.code).toBe(0);
    expect(gpu.stdout).toMatch(/NVML/);
  }, 120_000);
});
