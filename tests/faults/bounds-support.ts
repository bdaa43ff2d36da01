/**
 * Helpers for the bounds fault tests: a chat server that counts what it receives, the compiled
 * binary run with a marker in its environment (children inherit it, so /proc/<pid>/environ
 * finds every process a run left behind) and a private TMPDIR (so its temp directories can be
 * checked), and the scan for marked processes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "../e2e/support.ts";

export type CountingServer = { url: string; requests(): number; stop(): Promise<void> };

/**
 * An OpenAI chat endpoint on 127.0.0.1 that counts the completions it receives, answering each
 * after `delayMs`; `/metrics` serves one Prometheus gauge when `metrics` is set (else 404).
 */
export function startCountingServer(opts: { delayMs?: number; metrics?: boolean } = {}): CountingServer {
  let count = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/metrics") {
        return opts.metrics ? new Response("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 0\n") : new Response("not found", { status: 404 });
      }
      if (req.method !== "POST" || path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      count++;
      await req.arrayBuffer();
      if (opts.delayMs) await Bun.sleep(opts.delayMs);
      return Response.json({
        id: `c${count}`,
        object: "chat.completion",
        created: 0,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "hello there" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests: () => count, stop: () => server.stop(true) };
}

/** A private directory for one scenario (its TMPDIR, artifact dirs, input files); removed by `done`. */
export function scratch(): { dir: string; tmp: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), "bounds-fault-"));
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  return { dir, tmp, done: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Launched = { proc: Bun.Subprocess<"ignore", "pipe", "pipe">; mark: string; t0: number; output: Promise<string> };

/**
 * Starts `dist/aiperf <args>` with AIPERF_FAULT_MARK=<random> and TMPDIR=`tmp`; `shell`, if
 * given, runs first in `sh` (e.g. `ulimit -n 512`) and then execs the binary.
 */
export function launch(args: string[], opts: { tmp: string; cwd?: string; shell?: string }): Launched {
  const mark = `bounds-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const cmd = opts.shell === undefined ? [BINARY, ...args] : ["sh", "-c", `${opts.shell} && exec "$0" "$@"`, BINARY, ...args];
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? opts.tmp,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", TMPDIR: opts.tmp, AIPERF_FAULT_MARK: mark },
  });
  launched.add(mark);
  const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([o, e]) => o + e);
  return { proc, mark, t0: performance.now(), output };
}

export type Finished = { code: number; out: string; ms: number; mark: string };

/** Waits for a launched run (killing it, and failing, past `timeoutMs`). */
export async function finish(run: Launched, timeoutMs = 90_000): Promise<Finished> {
  const timer = setTimeout(() => run.proc.kill("SIGKILL"), timeoutMs);
  const code = await run.proc.exited;
  clearTimeout(timer);
  return { code, out: await run.output, ms: performance.now() - run.t0, mark: run.mark };
}

/** `dist/aiperf <args>` to its end. */
export function runAiperf(args: string[], opts: { tmp: string; cwd?: string; shell?: string }, timeoutMs?: number): Promise<Finished> {
  return finish(launch(args, opts), timeoutMs);
}

const launched = new Set<string>();

/** Pids of live processes whose environment holds AIPERF_FAULT_MARK=`mark`. */
export function marked(mark: string): number[] {
  const needle = `AIPERF_FAULT_MARK=${mark}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").includes(needle)) continue;
      // A zombie has exited; it only waits for its parent to read its status.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (/^\d+ \(.*\) Z /.test(stat)) continue;
      pids.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return pids;
}

/** Polls until no process carries `mark` or `timeoutMs` passes; the pids still running. */
export async function leftRunning(mark: string, timeoutMs = 5000): Promise<number[]> {
  const t0 = performance.now();
  for (;;) {
    const pids = marked(mark);
    if (pids.length === 0 || performance.now() - t0 > timeoutMs) return pids;
    await Bun.sleep(50);
  }
}

/** Kills whatever a test's runs left running (afterAll: a failed test must not leave processes). */
export function killLeftovers(): void {
  for (const mark of launched) {
    for (const pid of marked(mark)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
  launched.clear();
}

/** profile_export.jsonl's lines in `dir` (0 when the file is absent). */
export function recordLines(dir: string): number {
  try {
    return readFileSync(join(dir, "profile_export.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "").length;
  } catch {
    return 0;
  }
}

/** Failed requests counted in profile_export_aiperf.json's error_summary in `dir`. */
export function exportErrors(dir: string): number {
  const doc = JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8")) as { error_summary?: { count: number }[] };
  return (doc.error_summary ?? []).reduce((n, e) => n + e.count, 0);
}
