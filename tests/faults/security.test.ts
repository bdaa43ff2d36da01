/**
 * Issue 12, security items 1-3, on the compiled binary: a libnvidia-ml.so.1 planted in the working
 * directory is never loaded; credentials in URLs reach no file, stdout or stderr; bytes from a
 * server's error body or a stranger on the bus reach the terminal escaped. Each scenario checks
 * what the server received against the records written, the exit code, the time to stop and that
 * no process of the run is left.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSocket } from "../../src/bus/index.ts";
import { ensureBinary, readExport, readRecords } from "../e2e/support.ts";
import { type FaultServer, filesUnder, HAS_GCC, hasTerminalControl, plantNvml, startFaultServer } from "./security-support.ts";
import { leftRunning, profileArgs, recordLines, runBinary } from "./support.ts";

const roots: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

const servers: FaultServer[] = [];
function server(opts: Parameters<typeof startFaultServer>[0] = {}): FaultServer {
  const s = startFaultServer(opts);
  servers.push(s);
  return s;
}

beforeAll(() => ensureBinary(), 120_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

const profile = (url: string, dir: string, more: string[]): string[] => profileArgs(url, dir, ["--concurrency", "1", ...more]);

/** Generous: the point is that a run stops, not how fast. */
const STOP_MS = 60_000;

describe("NVML is loaded from the system's library locations only", () => {
  test.skipIf(!HAS_GCC)(
    "a libnvidia-ml.so.1 planted in the working directory is never loaded (its constructor never runs)",
    async () => {
      const cwd = tempDir("aiperf-sec-nvml-");
      const marker = join(cwd, "PLANTED_LIBRARY_LOADED");
      await plantNvml(cwd, marker);
      const s = server();
      const dead = await closedPort();
      // No DCGM exporter answers, so the GPU telemetry service goes on to NVML (-v logs that it did).
      const run = await runBinary(profile(s.url, "out", ["--request-count", "4", "--gpu-telemetry", `http://127.0.0.1:${dead}/metrics`, "-v"]), {
        cwd,
        timeoutMs: STOP_MS,
      });
      expect(run.code).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(readFileSync(join(cwd, "out", "logs", "aiperf.log"), "utf8")).toContain("GPU telemetry: NVML not available");
      expect(s.completions()).toBe(4);
      expect(recordLines(join(cwd, "out"))).toBe(4);
      expect(run.ms).toBeLessThan(STOP_MS);
      expect(await leftRunning(run.mark)).toEqual([]);
    },
    90_000,
  );

  test("AIPERF_NVML_LIBRARY must be absolute: a relative one stops the run before anything starts (exit 2, the variable named)", async () => {
    const cwd = tempDir("aiperf-sec-nvml-rel-");
    const s = server();
    const run = await runBinary(profile(s.url, "out", ["--request-count", "2"]), {
      cwd,
      env: { AIPERF_NVML_LIBRARY: "libnvidia-ml.so.1" },
      timeoutMs: STOP_MS,
    });
    expect(run.code).toBe(2);
    expect(run.out).toContain('AIPERF_NVML_LIBRARY="libnvidia-ml.so.1" is not an absolute path');
    expect(s.received.length).toBe(0);
    expect(recordLines(join(cwd, "out"))).toBe(0);
    expect(run.ms).toBeLessThan(STOP_MS);
    expect(await leftRunning(run.mark)).toEqual([]);
    // An absolute path to nothing is the same mistake.
    const missing = await runBinary(profile(s.url, "out2", ["--request-count", "2"]), {
      cwd,
      env: { AIPERF_NVML_LIBRARY: "/nonexistent/libnvidia-ml.so.1" },
      timeoutMs: STOP_MS,
    });
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('AIPERF_NVML_LIBRARY="/nonexistent/libnvidia-ml.so.1" is not a 64-bit shared library for this machine');
    expect(s.received.length).toBe(0);
    expect(await leftRunning(missing.mark)).toEqual([]);
  }, 90_000);

  test.skipIf(!HAS_GCC)(
    "an absolute AIPERF_NVML_LIBRARY is the user's choice and is loaded (so the test above can see a load)",
    async () => {
      const cwd = tempDir("aiperf-sec-nvml-abs-");
      const libDir = tempDir("aiperf-sec-nvml-lib-");
      const marker = join(libDir, "LOADED");
      const lib = await plantNvml(libDir, marker);
      const s = server();
      const dead = await closedPort();
      const run = await runBinary(profile(s.url, "out", ["--request-count", "2", "--gpu-telemetry", `http://127.0.0.1:${dead}/metrics`]), {
        cwd,
        env: { AIPERF_NVML_LIBRARY: lib },
        timeoutMs: STOP_MS,
      });
      expect(run.code).toBe(0);
      expect(existsSync(marker)).toBe(true);
      expect(s.completions()).toBe(2);
      expect(recordLines(join(cwd, "out"))).toBe(2);
      expect(await leftRunning(run.mark)).toEqual([]);
    },
    90_000,
  );
});

describe("credentials in URLs", () => {
  test("user:password and ?api_key= are used for the requests but appear in no file, stdout or stderr", async () => {
    const cwd = tempDir("aiperf-sec-cred-");
    const s = server();
    const dir = join(cwd, "out");
    const args = profile(`http://user:s3cret@127.0.0.1:${s.port}`, dir, [
      "--request-count",
      "5",
      "--server-metrics",
      `http://127.0.0.1:${s.port}/metrics?api_key=s3cret`,
      // Scheme-less, as users type it; the DCGM page answers, so GPU telemetry exports name it.
      "--gpu-telemetry",
      `user:s3cret@127.0.0.1:${s.port}/dcgm?token=s3cret`,
      "-v",
    ]);
    const run = await runBinary(args, { cwd, timeoutMs: STOP_MS });
    expect(run.code).toBe(0);
    // The server got Basic auth from the URL's userinfo, and the query key on the scrape.
    const chats = s.received.filter((r) => r.method === "POST");
    expect(chats.length).toBe(5);
    expect(chats.every((r) => r.authorization === `Basic ${btoa("user:s3cret")}`)).toBe(true);
    expect(s.received.some((r) => r.path === "/dcgm")).toBe(true);
    expect(recordLines(dir)).toBe(5);

    const files = filesUnder(dir);
    for (const name of [
      "profile_export_aiperf.json",
      "logs/aiperf.log",
      "server_metrics_export.json",
      "server_metrics_export.csv",
      "server_metrics_export.jsonl",
      "gpu_telemetry_export.jsonl",
    ]) {
      expect(files).toContain(join(dir, name));
    }
    for (const file of files) expect({ file, leaks: readFileSync(file, "latin1").includes("s3cret") }).toEqual({ file, leaks: false });
    expect(run.out).not.toContain("s3cret");
    // What is shown instead.
    const exported = readExport(dir);
    expect(exported.input_config.endpoint.urls).toEqual([`http://<redacted>@127.0.0.1:${s.port}`]);
    expect(exported.resolved_config.urls).toEqual([`http://<redacted>@127.0.0.1:${s.port}`]);
    expect(exported.input_config.cli_command).toContain(`-u http://<redacted>@127.0.0.1:${s.port}`);
    expect(run.out).toContain(`--server-metrics http://127.0.0.1:${s.port}/metrics?api_key=<redacted>`);
    expect(run.ms).toBeLessThan(STOP_MS);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 90_000);
});

describe("control characters from outside reach the terminal escaped", () => {
  const BODY = "boom \x1b[2J\x1b]0;pwned\x07 end";

  test("a server's 500 error body: the error table shows \\x1b, no ESC or BEL byte is printed, the export keeps the raw text", async () => {
    const cwd = tempDir("aiperf-sec-esc-");
    const s = server({ fail: { status: 500, body: BODY } });
    const dir = join(cwd, "out");
    const run = await runBinary(profile(s.url, dir, ["--request-count", "3", "--no-gpu-telemetry"]), { cwd, timeoutMs: STOP_MS });
    // Every request failed: exit 1, with the tables and the failures still written.
    expect(run.code).toBe(1);
    expect(hasTerminalControl(run.stdout)).toBe(false);
    expect(hasTerminalControl(run.stderr)).toBe(false);
    expect(run.out).toContain("boom \\x1b[2J\\x1b]0;pwned\\x07 end");
    expect(readFileSync(join(dir, "logs", "aiperf.log")).includes(0x1b)).toBe(false);
    const records = readRecords(dir);
    expect(s.completions()).toBe(3);
    expect(records.length).toBe(3);
    expect(records.every((r) => r.error?.message === BODY)).toBe(true);
    expect(readExport(dir).error_request_count?.avg).toBe(3);
    expect(run.ms).toBeLessThan(STOP_MS);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 90_000);

  test("a stranger on the control socket with an identity full of escapes: the warning shows them escaped", async () => {
    const cwd = tempDir("aiperf-sec-bus-");
    // A private TMPDIR: the controller's run directory (aiperf-*/control.ipc) is the only one there.
    const tmp = tempDir("aiperf-sec-bus-tmp-");
    const s = server({ delayMs: 200 });
    const dir = join(cwd, "out");
    const identity = "\x1b]0;pwned\x07evil\x1b[2J";
    let sent = false;
    const strangerVisit = async (): Promise<void> => {
      const until = performance.now() + 30_000;
      let ipc: string | undefined;
      while (ipc === undefined && performance.now() < until) {
        const run = readdirSync(tmp).find((n) => /^aiperf-(?!run-)/.test(n) && existsSync(join(tmp, n, "control.ipc")));
        if (run !== undefined) ipc = join(tmp, run, "control.ipc");
        else await Bun.sleep(50);
      }
      if (ipc === undefined) return;
      const dealer = createSocket("DEALER", { identity });
      try {
        dealer.connect(`ipc://${ipc}`);
        await dealer.waitForPeers(1, 10_000);
        await dealer.send(["not a control message"]);
        sent = true;
        await Bun.sleep(300);
      } finally {
        dealer.close();
      }
    };
    const run = await runBinary(profile(s.url, dir, ["--request-count", "15", "--no-gpu-telemetry", "--no-server-metrics"]), {
      cwd,
      env: { TMPDIR: tmp },
      timeoutMs: STOP_MS,
      whileRunning: strangerVisit,
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(0);
    expect(run.out).toContain('Ignoring a control message from "\\x1b]0;pwned\\x07evil\\x1b[2J"');
    expect(hasTerminalControl(run.stdout)).toBe(false);
    expect(hasTerminalControl(run.stderr)).toBe(false);
    expect(readFileSync(join(dir, "logs", "aiperf.log"), "utf8")).toContain('from "\\x1b]0;pwned\\x07evil\\x1b[2J"');
    expect(s.completions()).toBe(15);
    expect(recordLines(dir)).toBe(15);
    expect(run.ms).toBeLessThan(STOP_MS);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 90_000);
});
