/**
 * Helpers of the run-lifecycle fault tests: a small inference server that counts what it received
 * and can hang every request, the compiled binary started in its own process group with a unique
 * env marker, and the /proc scans that find its service children and anything left running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "../e2e/support.ts";

export type FaultServer = {
  url: string;
  /** Chat requests the server received (its own count, not the client's). */
  readonly received: number;
  /** performance.now() of the first chat request (undefined before it). */
  readonly firstAtMs: number | undefined;
  stop(): Promise<void>;
};

const REPLY = JSON.stringify({
  id: "chatcmpl-fault",
  object: "chat.completion",
  model: "mock-model",
  choices: [{ index: 0, message: { role: "assistant", content: "one two three four five" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
});

/**
 * A chat server on 127.0.0.1: `hang` accepts every request and never answers (until stop), else
 * each is answered after `delayMs`. It serves a tiny /metrics so the server-metrics collector runs.
 */
export function startFaultServer(opts: { hang?: boolean; delayMs?: number } = {}): FaultServer {
  let received = 0;
  let firstAtMs: number | undefined;
  const held: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // A hung request must stay hung: no idle timeout closes it from our side.
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/metrics") return new Response("# TYPE fault_up gauge\nfault_up 1\n", { headers: { "content-type": "text/plain" } });
      if (path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      received++;
      firstAtMs ??= performance.now();
      await req.arrayBuffer();
      if (opts.hang === true) await new Promise<void>((resolve) => held.push(resolve));
      else if ((opts.delayMs ?? 0) > 0) await Bun.sleep(opts.delayMs as number);
      return new Response(REPLY, { headers: { "content-type": "application/json" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    get received() {
      return received;
    },
    get firstAtMs() {
      return firstAtMs;
    },
    async stop() {
      for (const release of held.splice(0)) release();
      await server.stop(true);
    },
  };
}

export type Run = {
  proc: ChildProcess;
  pid: number;
  marker: string;
  dir: string;
  /** performance.now() when the binary was started. */
  startedMs: number;
  /** Resolves with the exit code (128+n for a signal) and everything printed. */
  exited: Promise<{ code: number; out: string; atMs: number }>;
};

/**
 * `aiperf profile` against `url`, in its own process group (so a test can signal the group without
 * signalling the test runner), with a unique AIPERF_FAULT_MARK in its environment (children inherit it).
 * `wrapper` runs it under another command (e.g. `timeout`).
 */
export function startRun(url: string, flags: string[], wrapper: string[] = []): Run {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-fault-"));
  const dir = join(cwd, "out");
  const marker = `lifecycle-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const args = ["profile", "-m", "mock-model", "-u", url, "--artifact-dir", dir, "--ui", "none", "--random-seed", "1", "--tokenizer", "builtin", "--no-gpu-telemetry", ...flags];
  const [command, ...rest] = [...wrapper, BINARY, ...args] as [string, ...string[]];
  const proc = spawn(command, rest, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", AIPERF_FAULT_MARK: marker } });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number; out: string; atMs: number }>((resolve) => {
    proc.on("close", (code, signal) => resolve({ code: code ?? 128 + signalNumber(signal), out, atMs: performance.now() }));
  });
  return { proc, pid: proc.pid as number, marker, dir, startedMs: performance.now(), exited };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : signal === "SIGINT" ? 2 : 0;
}

/** Pids of live processes whose environment holds the marker (a run's controller and children). */
export function markedPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(`AIPERF_FAULT_MARK=${marker}`) && !isZombie(Number(entry))) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return / Z /.test(stat.slice(stat.lastIndexOf(")")));
  } catch {
    return true;
  }
}

/** The pid of the run's service `role:id` (read from its `__service '<spec>'` command line), once it exists. */
export async function servicePid(marker: string, name: string, timeoutMs = 20_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const pid of markedPids(marker)) {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const spec = argv[argv.indexOf("__service") + 1];
        if (argv.includes("__service") && spec !== undefined) {
          const { role, id } = JSON.parse(spec) as { role: string; id: string };
          if (`${role}:${id}` === name) return pid;
        }
      } catch {
        // Not a service, or gone.
      }
    }
    await Bun.sleep(50);
  }
  throw new Error(`service ${name} did not appear within ${timeoutMs} ms`);
}

/** Waits until the marker is on no live process; returns the pids still running after `timeoutMs`. */
export async function leftRunning(marker: string, timeoutMs = 3000): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pids = markedPids(marker);
    if (pids.length === 0 || performance.now() > deadline) return pids;
    await Bun.sleep(50);
  }
}

/** Ends every process of the run (cleanup after a failed assertion). */
export function killRun(run: Run): void {
  for (const pid of markedPids(run.marker)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
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

/** The run's JSONL records (empty when the file was never written). */
export function records(dir: string): { error: { type: string; code: number | null } | null; metadata: { was_cancelled: boolean } }[] {
  try {
    return readFileSync(join(dir, "profile_export.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
