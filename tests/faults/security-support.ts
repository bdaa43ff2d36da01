/**
 * What the security fault tests share: a fault server of our own (an OpenAI-style chat endpoint,
 * a /metrics page and a DCGM page on 127.0.0.1) that logs every request it receives, a run of the
 * compiled binary that keeps stdout/stderr as raw bytes and marks its process tree, a scan for
 * marked processes left behind, and a planted shared library built with gcc.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "../e2e/support.ts";

export type Received = { method: string; path: string; authorization: string | null };

export type FaultServer = {
  url: string;
  port: number;
  /** Every request, in arrival order: the server's own count. */
  received: Received[];
  completions(): number;
  stop(): Promise<void>;
};

export type FaultServerOptions = {
  /** The chat endpoint's answer: a completion, or this status with this body. */
  fail?: { status: number; body: string };
  /** Held this long before each chat answer (keeps a run going). */
  delayMs?: number;
};

const COMPLETION = JSON.stringify({
  id: "c",
  object: "chat.completion",
  created: 0,
  model: "mock-model",
  choices: [{ index: 0, message: { role: "assistant", content: "hello there" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

const PROMETHEUS = "# TYPE requests_total counter\nrequests_total 1\n# TYPE requests_running gauge\nrequests_running 0\n";
const DCGM = 'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-0",modelName="Test GPU"} 100\nDCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-0",modelName="Test GPU"} 50\n';

export function startFaultServer(opts: FaultServerOptions = {}): FaultServer {
  const received: Received[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      received.push({ method: req.method, path, authorization: req.headers.get("authorization") });
      if (path === "/metrics") return new Response(PROMETHEUS);
      if (path === "/dcgm") return new Response(DCGM);
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      await req.arrayBuffer();
      if (opts.delayMs !== undefined) await Bun.sleep(opts.delayMs);
      if (opts.fail !== undefined) return new Response(opts.fail.body, { status: opts.fail.status });
      return new Response(COMPLETION, { headers: { "content-type": "application/json" } });
    },
  });
  const port = server.port as number;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    completions: () => received.filter((r) => r.method === "POST").length,
    stop: () => server.stop(true),
  };
}

export type BinaryRun = { code: number; stdout: Uint8Array; stderr: Uint8Array; text: string; ms: number; mark: string };

/**
 * Runs the compiled binary with a unique AIPERF_FAULT_MARK in its environment (its children inherit
 * it), NO_COLOR and pipes; kills it if it outlives `timeoutMs`.
 */
export async function runBinary(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number; whileRunning?: () => Promise<void> }): Promise<BinaryRun> {
  const mark = `sec-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const t0 = performance.now();
  const proc = Bun.spawn([BINARY, ...args], { cwd: opts.cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", ...opts.env, AIPERF_FAULT_MARK: mark } });
  const killer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  try {
    const outputs = Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).bytes()]);
    await opts.whileRunning?.();
    const [stdout, stderr] = await outputs;
    const code = await proc.exited;
    const ms = performance.now() - t0;
    const decoder = new TextDecoder();
    return { code, stdout, stderr, text: decoder.decode(stdout) + decoder.decode(stderr), ms, mark };
  } finally {
    clearTimeout(killer);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}

/** Pids whose environment holds this run's mark (a child left running). Polls briefly: exit is not instant. */
export async function leftRunning(mark: string, waitMs = 3000): Promise<number[]> {
  const needle = `AIPERF_FAULT_MARK=${mark}`;
  const scan = (): number[] => {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(needle)) pids.push(Number(entry));
      } catch {
        // Gone, or not ours to read.
      }
    }
    return pids;
  };
  const until = performance.now() + waitMs;
  let pids = scan();
  while (pids.length > 0 && performance.now() < until) {
    await Bun.sleep(100);
    pids = scan();
  }
  return pids;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** Lines of profile_export.jsonl (0 when the file is missing). */
export function recordLines(dir: string): number {
  try {
    return readFileSync(join(dir, "profile_export.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "").length;
  } catch {
    return 0;
  }
}

export const HAS_GCC = Bun.which("gcc") !== null;

/**
 * Builds `<dir>/libnvidia-ml.so.1` whose constructor creates `marker`: loading it at all (not
 * calling anything in it) leaves the file behind.
 */
export async function plantNvml(dir: string, marker: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const source = join(dir, "planted.c");
  const lib = join(dir, "libnvidia-ml.so.1");
  writeFileSync(source, `#include <stdio.h>\n__attribute__((constructor)) static void planted(void) { FILE *f = fopen(${JSON.stringify(marker)}, "w"); if (f) { fputs("loaded", f); fclose(f); } }\nint nvmlInit_v2(void) { return 999; }\n`);
  const gcc = Bun.spawn(["gcc", "-shared", "-fPIC", "-o", lib, source], { stdout: "pipe", stderr: "pipe" });
  const err = await new Response(gcc.stderr).text();
  if ((await gcc.exited) !== 0) throw new Error(`gcc failed: ${err}`);
  return lib;
}

/** True when any byte of `bytes` is ESC (0x1b) or BEL (0x07). */
export function hasTerminalControl(bytes: Uint8Array): boolean {
  return bytes.includes(0x1b) || bytes.includes(0x07);
}
