/**
 * What every fault test shares: the compiled binary run with a unique AIPERF_FAULT_MARK in its
 * environment (its children inherit it, so /proc/<pid>/environ finds every process of a run), the
 * scans for the run's processes that are still alive, and the readers of its exports. The binary,
 * its build and the JSON readers are the end-to-end tests' own (../e2e/support.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, onTestTransport, readRecords } from "../e2e/support.ts";

/** A fresh, empty folder under the system's temp directory. */
export function freshDir(prefix = "aiperf-fault-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `aiperf profile -m mock-model -u url --artifact-dir dir`, no UI, seed 1, then `flags`. */
export function profileArgs(url: string, dir: string, flags: string[] = []): string[] {
  return ["profile", "-m", "mock-model", "-u", url, "--artifact-dir", dir, "--ui", "none", "--random-seed", "1", ...flags];
}

export type LaunchOptions = {
  /** The working directory (default: a fresh folder). */
  cwd?: string;
  /** Added to the environment (after NO_COLOR=1, before the mark). */
  env?: Record<string, string>;
  /** The run's TMPDIR, where it makes its temp directories. */
  tmp?: string;
  /** Its own process group (pid = pgid), so a test can signal the group without signalling itself. */
  detached?: boolean;
  /** A command the binary runs under: `[...wrapper, dist/aiperf, ...args]` (e.g. `timeout …`, or see `shellFirst`). */
  wrapper?: string[];
};

export type Finished = {
  /** The exit status; 128+n for a signal n. */
  code: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** stdout then stderr, as text. */
  out: string;
  /** From the start to the exit and the end of its output. */
  ms: number;
  /** performance.now() at that end. */
  atMs: number;
  mark: string;
};

export type Launched = {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  pid: number;
  mark: string;
  /** performance.now() when it was started. */
  startedMs: number;
  /** Resolves once it has exited and its output has ended (it is never killed for taking long: see `finish`). */
  exited: Promise<Finished>;
};

const launched = new Set<string>();

/** Starts `dist/aiperf <args>` with a fresh AIPERF_FAULT_MARK, NO_COLOR=1, stdin ignored and stdout/stderr piped. */
export function launch(args: string[], opts: LaunchOptions = {}): Launched {
  const mark = `fault-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
  if (opts.tmp !== undefined) env.TMPDIR = opts.tmp;
  env.AIPERF_FAULT_MARK = mark;
  const startedMs = performance.now();
  const proc = Bun.spawn([...(opts.wrapper ?? []), BINARY, ...onTestTransport(args)], {
    cwd: opts.cwd ?? freshDir(),
    detached: opts.detached ?? false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env,
  });
  launched.add(mark);
  const exited = (async (): Promise<Finished> => {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).bytes()]);
    const code = await proc.exited;
    const atMs = performance.now();
    const decoder = new TextDecoder();
    return { code, stdout, stderr, out: decoder.decode(stdout) + decoder.decode(stderr), ms: atMs - startedMs, atMs, mark };
  })();
  return { proc, pid: proc.pid, mark, startedMs, exited };
}

/** Waits for a launched run to end, killing it (SIGKILL) if it outlives `timeoutMs`. */
export async function finish(run: Launched, timeoutMs = 90_000): Promise<Finished> {
  const killer = setTimeout(() => run.proc.kill("SIGKILL"), timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(killer);
  }
}

/**
 * `dist/aiperf <args>` to its end (killed past `timeoutMs`). `whileRunning` runs meanwhile; should it
 * throw, the run is killed.
 */
export async function runBinary(args: string[], opts: LaunchOptions & { timeoutMs?: number; whileRunning?: () => Promise<void> } = {}): Promise<Finished> {
  const run = launch(args, opts);
  const result = finish(run, opts.timeoutMs);
  try {
    await opts.whileRunning?.();
    return await result;
  } finally {
    if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill("SIGKILL");
  }
}

/** A wrapper that runs `script` in `sh` first (e.g. `ulimit -n 512`), then execs the binary in the same process. */
export function shellFirst(script: string): string[] {
  return ["sh", "-c", `${script} && exec "$0" "$@"`];
}

/** Pids of the live processes (zombies excluded: they have exited) whose environment holds AIPERF_FAULT_MARK=`mark`. */
export function markedPids(mark: string): number[] {
  const needle = `AIPERF_FAULT_MARK=${mark}`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(needle)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (/ Z /.test(stat.slice(stat.lastIndexOf(")")))) continue;
      pids.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return pids;
}

/** Polls until no live process carries `mark` or `timeoutMs` passes; the pids still running. */
export async function leftRunning(mark: string, timeoutMs = 3000): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pids = markedPids(mark);
    if (pids.length === 0 || performance.now() > deadline) return pids;
    await Bun.sleep(50);
  }
}

/** SIGKILLs every live process that carries `mark`. */
export function killMarked(mark: string): void {
  for (const pid of markedPids(mark)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Kills whatever the runs launched so far left running (afterEach/afterAll: a failed test must not leave processes). */
export function killLeftovers(): void {
  for (const mark of launched) killMarked(mark);
  launched.clear();
}

/**
 * The pid of the run's service `role:id` (read from its `__service '<spec>'` command line, which
 * lists several specs for a process that hosts more than one), once it exists.
 */
export async function servicePid(mark: string, name: string, timeoutMs = 20_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const pid of markedPids(mark)) {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const spec = argv[argv.indexOf("__service") + 1];
        if (argv.includes("__service") && spec !== undefined) {
          const parsed = JSON.parse(spec) as { role: string; id: string } | { role: string; id: string }[];
          if ((Array.isArray(parsed) ? parsed : [parsed]).some(({ role, id }) => `${role}:${id}` === name)) return pid;
        }
      } catch {
        // Not a service, or gone.
      }
    }
    await Bun.sleep(50);
  }
  throw new Error(`service ${name} did not appear within ${timeoutMs} ms`);
}

/** profile_export.jsonl's records in `dir` (none when the file was never written). */
export function records<T = any>(dir: string): T[] {
  return existsSync(join(dir, "profile_export.jsonl")) ? readRecords<T>(dir) : [];
}

/** How many records profile_export.jsonl holds in `dir` (0 when the file is missing). */
export function recordLines(dir: string): number {
  return records(dir).length;
}

/** A chat server of the fault tests: its own count of the benchmark's requests. */
export type ChatServer = {
  url: string;
  /** Chat completion POSTs received (the server's own count, not the client's). */
  readonly received: number;
  /** performance.now() of the first of them (undefined before it). */
  readonly firstAtMs: number | undefined;
  /** Most of them the server held at once (read, not yet answered). */
  readonly maxInFlight: number;
  /** When each arrived, in wall-clock ms (performance.timeOrigin + now), in arrival order. */
  readonly arrivalsWallMs: readonly number[];
  stop(): Promise<void>;
};

const CHAT_REPLY = JSON.stringify({
  id: "chatcmpl-fault",
  object: "chat.completion",
  created: 0,
  model: "mock-model",
  choices: [{ index: 0, message: { role: "assistant", content: "one two three four five" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
});

/**
 * An OpenAI chat endpoint on 127.0.0.1 that counts the POSTs to /v1/chat/completions. `hang`: each
 * is accepted and never answered (until stop); else each is answered after `delayMs`. As real
 * servers do, a GET on that path is 405 (the pre-flight learns the path exists). `metrics`: a
 * one-gauge Prometheus /metrics (else 404), so the server-metrics collector runs.
 */
export function startChatServer(opts: { hang?: boolean; delayMs?: number; metrics?: boolean } = {}): ChatServer {
  let received = 0;
  let firstAtMs: number | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const arrivalsWallMs: number[] = [];
  const held: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // A hung request must stay hung: no idle timeout closes it from our side.
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/metrics") {
        return opts.metrics === true
          ? new Response("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 0\n", { headers: { "content-type": "text/plain" } })
          : new Response("not found", { status: 404 });
      }
      if (path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      if (req.method !== "POST") return new Response("method not allowed", { status: 405 });
      received++;
      firstAtMs ??= performance.now();
      arrivalsWallMs.push(performance.timeOrigin + performance.now());
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        await req.arrayBuffer();
        if (opts.hang === true) await new Promise<void>((resolve) => held.push(resolve));
        else if ((opts.delayMs ?? 0) > 0) await Bun.sleep(opts.delayMs as number);
        return new Response(CHAT_REPLY, { headers: { "content-type": "application/json" } });
      } finally {
        inFlight--;
      }
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
    get maxInFlight() {
      return maxInFlight;
    },
    arrivalsWallMs,
    async stop() {
      for (const release of held.splice(0)) release();
      await server.stop(true);
    },
  };
}
