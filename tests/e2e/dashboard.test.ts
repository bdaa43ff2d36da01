/**
 * The live dashboard of the compiled binary in a real pseudo-terminal (tmux) at 80×24 and 120×40:
 * screens captured during the run hold the numbers a person looks for, and they change; nothing
 * runs past the edge or shows escape codes as text; after the run (and after Ctrl-C) the terminal
 * is back on its normal screen with the cursor shown, and the final tables are there. Without a
 * terminal the same flag writes plain lines, never an escape code. Without tmux the terminal tests
 * are skipped, and counted so.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, type MockServer, startMockServer } from "./support.ts";
import { findTmux, type Pane, Terminals } from "./tmux.ts";

const tmux = findTmux();
const work = mkdtempSync(join(tmpdir(), "aiperf-dash-"));
let server: MockServer | undefined;
let terminals: Terminals | undefined;

beforeAll(async () => {
  await ensureBinary();
  // Some failures, so the error line has something to show.
  server = await startMockServer(["--ttft", "5", "--itl", "2", "--error-rate", "5"]);
  if (tmux !== undefined) terminals = new Terminals(tmux, work, "dash");
}, 180_000);

afterAll(async () => {
  terminals?.stop();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const profile = (dir: string, seconds: number, extra = ""): string =>
  `${BINARY} profile -m mock-model -u ${(server as MockServer).url} --streaming --concurrency 4 --benchmark-duration ${seconds} --osl 16 --isl 32 --tokenizer builtin --random-seed 1 --artifact-dir ${dir}${extra}`;

/** Polls the screen until `ready` holds for it; the screen it held for. */
async function screenWhen(pane: Pane, ready: (screen: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = pane.screen();
    if (ready(screen)) return screen;
    if (pane.exitStatus() !== "")
      throw new Error(`the run ended (${pane.exitStatus()}) before the screen showed what was awaited; it printed:\n${pane.history().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`not on screen within ${timeoutMs} ms; last screen:\n${screen}`);
    await Bun.sleep(250);
  }
}

async function exited(pane: Pane, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (pane.exitStatus() === "") {
    if (Date.now() > deadline) throw new Error(`did not exit within ${timeoutMs} ms; screen:\n${pane.screen()}`);
    await Bun.sleep(200);
  }
  return pane.exitStatus();
}

const sent = (screen: string): number => Number(/sent (\d+)/.exec(screen)?.[1] ?? Number.NaN);
/** Profiling, with the first percentiles and a rate over the last seconds (after ~1 s) on screen. */
const profiling = (screen: string): boolean =>
  sent(screen) > 0 && /Time to first token\s+[\d.]+\s+[\d.]+\s+[\d.]+/.test(screen) && /[\d.,]+ req\/s now/.test(screen);

/** What a person checks on every frame: it fits, nothing garbled, the live numbers are there. */
function checkFrame(screen: string, cols: number, rows: number): void {
  const lines = screen.replace(/\n$/, "").split("\n");
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const l of lines) expect([...l.trimEnd()].length).toBeLessThanOrEqual(cols);
  // An escape sequence shown as text (a code the terminal did not take) or a broken character.
  expect(screen).not.toMatch(/\x1b|\[\?\d+[hl]|\[\d+;\d+H|\uFFFD/);
  expect(lines[0]).toMatch(/^ AIPerf · Profiling · mock-model @ http:\/\/127\.0\.0\.1:\d+/);
  expect(screen).toMatch(/elapsed \d\d:\d\d · profiling \d\d:\d\d of 00:12 · ETA \d\d:\d\d/);
  expect(screen).toMatch(/Profiling [█░]+ +\d+% \d\d:\d\d\/00:12/);
  expect(screen).toMatch(/sent \d+ {2}done \d+ {2}in flight \d+ {2}failed \d+/);
  expect(screen).toMatch(/Throughput {2}[\d.,]+ req\/s now, [\d.,]+ avg · [\d.,]+ tok\/s now, [\d.,]+ avg/);
  for (const row of ["Time to first token", "Inter-token latency", "Request latency", "Send lag"])
    expect(screen).toMatch(new RegExp(`${row}\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+`));
  expect(screen).toMatch(/Health {6}loop lag \(ms\) /);
  expect(screen).toMatch(/Verdict {5}forming/);
  expect(lines[lines.length - 1]).toContain("Ctrl-C: stop and write the results");
}

describe.skipIf(tmux === undefined)("the dashboard in a terminal (tmux)", () => {
  for (const [cols, rows] of [
    [80, 24],
    [120, 40],
  ] as const) {
    test(`${cols}×${rows}: live numbers that change, then the terminal back and the final tables`, async () => {
      // The taller terminal also gets the mock's DCGM exporter: a GPU line of its own.
      const gpu = rows >= 40 ? ` --gpu-telemetry ${(server as MockServer).url}/dcgm/metrics` : "";
      const pane = (terminals as Terminals).open(profile(`run${cols}`, 12, gpu), cols, rows);
      try {
        // Something is on screen from the start (no blank wait while the services start).
        const early = await screenWhen(pane, (s) => s.includes("AIPerf ·"), 30_000);
        expect(pane.flags()).toEqual({ alternate: true, cursor: false });
        expect(early).toContain("Ctrl-C");
        const first = await screenWhen(pane, profiling, 90_000);
        checkFrame(first, cols, rows);
        // Two seconds on: the clock and the counts have moved.
        const elapsed = (screen: string): string | undefined => /elapsed (\d\d:\d\d)/.exec(screen)?.[1];
        await Bun.sleep(2_000);
        const second = await screenWhen(pane, profiling, 30_000);
        checkFrame(second, cols, rows);
        expect(sent(second)).toBeGreaterThan(sent(first));
        expect(elapsed(second)).not.toBe(elapsed(first));
        if (rows >= 40) expect(second).toMatch(/History {5}[▁▂▃▄▅▆▇█]+ max [\d.,]+ req\/s/);
        // Each role's heartbeat lateness, once two of its heartbeats outside an announced busy stretch arrived:
        // workers, then records, which parses the replies (no record processor runs by default).
        await screenWhen(pane, (s) => /Health {6}loop lag \(ms\) worker \d+ · records \d+/.test(s), 30_000);
        // 5 % of the requests fail: the error line names them once some have.
        await screenWhen(pane, (s) => s.includes("Errors      Internal Server Error"), 30_000);
        // The server's load gauges from its /metrics (the mock's KV cache and requests running).
        await screenWhen(pane, (s) => /Telemetry {3}server KV cache [\d.]+ %, running \d+/.test(s), 30_000);
        if (rows >= 40) await screenWhen(pane, (s) => /^ {13}GPU0 [\d.]+ W [\d.]+ % [\d.]+ GB/m.test(s), 30_000);

        expect(await exited(pane, 90_000)).toBe("exit=0");
        expect(pane.flags()).toEqual({ alternate: false, cursor: true });
        const after = pane.history();
        expect(after).toContain("Time to First Token");
        expect(after).toContain("Files written to");
        // The dashboard stayed on the alternate screen: none of it is left among the tables.
        expect(after).not.toContain("Ctrl-C: stop and write the results");
        expect(after).not.toMatch(/\x1b|\[\?\d+[hl]/);
      } finally {
        pane.close();
      }
    }, 240_000);
  }

  test("80×24: Ctrl-C stops the run, restores the terminal and still prints the results", async () => {
    const pane = (terminals as Terminals).open(profile("interrupted", 60), 80, 24);
    try {
      await screenWhen(pane, profiling, 90_000);
      pane.keys("C-c");
      expect(await exited(pane, 60_000)).toBe("exit=130");
      expect(pane.flags()).toEqual({ alternate: false, cursor: true });
      const after = pane.history();
      // What was logged while the dashboard was up comes out after it.
      expect(after).toContain("Received SIGINT");
      expect(after).toContain("Time to First Token");
      expect(after).toContain("interrupted; partial results written");
    } finally {
      pane.close();
    }
  }, 240_000);
});

/** Child pids of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {}
  }
  return out;
}

describe.skipIf(tmux === undefined)("the dashboard when a service dies", () => {
  test("80×24: a worker killed mid-run: the terminal is restored and the incomplete results printed (exit 4)", async () => {
    const pane = (terminals as Terminals).open(profile("crashed", 60), 80, 24);
    try {
      await screenWhen(pane, profiling, 90_000);
      // The shell's child is the controller; its children are the services. Kill one worker.
      const controller = childrenOf(pane.shellPid())[0] as number;
      const worker = childrenOf(controller).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes('"role":"worker"'));
      expect(worker).toBeNumber();
      process.kill(worker as number, "SIGKILL");
      expect(await exited(pane, 60_000)).toBe("exit=4");
      expect(pane.flags()).toEqual({ alternate: false, cursor: true });
      const after = pane.history();
      expect(after).toContain("worker:0");
      expect(after).toContain("The results are incomplete");
      expect(after).not.toMatch(/\x1b|\[\?\d+[hl]/);
    } finally {
      pane.close();
    }
  }, 240_000);
});

test("--ui dashboard when stderr is not a terminal: plain status lines, no escape code anywhere", async () => {
  const dir = join(work, "piped");
  const proc = Bun.spawn([...profile(dir, 3).split(" "), "--ui", "dashboard"], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, TERM: "xterm-256color" },
  });
  try {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(0);
    expect(err).toMatch(/aiperf: Requests \(Profiling\) \d+/);
    expect(out + err).not.toContain("\x1b");
    expect(out).toContain("Time to First Token");
  } finally {
    proc.kill();
  }
}, 120_000);
