/**
 * What every fault test shares: the compiled binary run with a unique AIPERF_FAULT_MARK in its
 * environment (its children inherit it, so /proc/<pid>/environ finds every process of a run), the
 * scans for the run's processes that are still alive, and the readers of its exports. The binary,
 * its build and the JSON readers are the end-to-end tests' own (../e2e/support.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, readRecords } from "../e2e/support.ts";

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
  const proc = Bun.spawn([...(opts.wrapper ?? []), BINARY, ...args], {
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

/** The pid of the run's service `role:id` (read from its `__service '<spec>'` command line), once it exists. */
export async function servicePid(mark: string, name: string, timeoutMs = 20_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const pid of markedPids(mark)) {
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

/** profile_export.jsonl's records in `dir` (none when the file was never written). */
export function records<T = any>(dir: string): T[] {
  return existsSync(join(dir, "profile_export.jsonl")) ? readRecords<T>(dir) : [];
}

/** How many records profile_export.jsonl holds in `dir` (0 when the file is missing). */
export function recordLines(dir: string): number {
  return records(dir).length;
}
