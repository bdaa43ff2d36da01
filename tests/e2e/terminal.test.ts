/**
 * The compiled binary in a real pseudo-terminal (tmux) at 80×24 and 120×40: the results table,
 * the verdict and every command's help fit the width, so nothing wraps into garbage. Without tmux
 * (and no way to install it) these tests are skipped, and counted so.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, type MockServer, startMockServer } from "./support.ts";
import { findTmux } from "./tmux.ts";

const tmux = findTmux();
const socket = `aiperf-term-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), "aiperf-term-"));
let server: MockServer | undefined;
let sessions = 0;

beforeAll(async () => {
  await ensureBinary();
  if (tmux === undefined) return;
  // A session that lives for the whole file: tmux's server exits with its last session, and a new
  // session asked for while it exits fails ("server exited unexpectedly").
  Bun.spawnSync([tmux, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "keep", "sleep 3600"]);
  server = await startMockServer(["--ttft", "5", "--itl", "1"]);
}, 180_000);

afterAll(async () => {
  if (tmux !== undefined) Bun.spawnSync([tmux, "-L", socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Runs `command` (a shell line) in a fresh tmux window of `cols`×`rows` and returns the screen and
 * its scrollback with wrapped lines joined (-J): a joined line wider than `cols` wrapped.
 */
async function inTerminal(command: string, cols: number, rows: number, timeoutMs = 90_000): Promise<string> {
  const t = tmux as string;
  const name = `s${sessions++}`;
  const done = join(work, `${name}.done`);
  const script = join(work, `${name}.sh`);
  writeFileSync(script, `cd ${JSON.stringify(work)}\nunset COLUMNS LINES NO_COLOR\n${command}\necho "exit=$?" > ${JSON.stringify(done)}\nsleep 600\n`);
  const start = Bun.spawnSync([t, "-L", socket, "new-session", "-d", "-s", name, "-x", String(cols), "-y", String(rows), `bash ${JSON.stringify(script)}`]);
  if (start.exitCode !== 0) throw new Error(`tmux: ${start.stderr.toString()}`);
  Bun.spawnSync([t, "-L", socket, "set-option", "-t", name, "history-limit", "20000"]);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      let status = "";
      try {
        status = readFileSync(done, "utf8");
      } catch {}
      if (status !== "") {
        expect(status.trim()).toBe("exit=0");
        break;
      }
      if (Date.now() > deadline) throw new Error(`"${command}" did not finish in ${timeoutMs} ms`);
      await Bun.sleep(200);
    }
    const cap = Bun.spawnSync([t, "-L", socket, "capture-pane", "-p", "-J", "-S", "-", "-t", name]);
    return cap.stdout.toString();
  } finally {
    Bun.spawnSync([t, "-L", socket, "kill-session", "-t", name], { stdout: "ignore", stderr: "ignore" });
  }
}

const width = (line: string): number => [...line.trimEnd()].length;

describe.skipIf(tmux === undefined)("in a terminal (tmux)", () => {
  for (const [cols, rows] of [
    [80, 24],
    [120, 40],
  ] as const) {
    test(`${cols}×${rows}: the results table and the verdict fit; the table keeps avg and p99`, async () => {
      const url = (server as MockServer).url;
      const screen = await inTerminal(
        `${BINARY} profile -m mock-model -u ${url} --streaming --concurrency 2 --request-count 20 --osl 8 --isl 32 --tokenizer builtin --artifact-dir out${cols} --client-bottleneck-send-lag-ms 0.000001 --client-bottleneck-loop-lag-ms 0.000001`,
        cols,
        rows,
      );
      const lines = screen.split("\n");
      const table = lines.filter((l) => /[┏┃┡│└]/.test(l));
      expect(table.length).toBeGreaterThan(10);
      for (const l of table) expect(width(l)).toBeLessThanOrEqual(cols);
      const header = table.find((l) => l.includes("Metric")) as string;
      for (const stat of ["avg", "p99"]) expect(header).toContain(` ${stat} `);
      if (cols === 80) expect(screen).toContain("left out to fit 80 columns");
      if (cols === 120) expect(header).toContain(" std ");
      // The verdict is forced (impossible bounds; in a closed loop the send lag is judged against 1 % of
      // the median latency, which queued credits may keep under): its wrapped text stays within the width.
      const from = lines.findIndex((l) => l.startsWith("Run invalid"));
      expect(from).toBeGreaterThan(0);
      for (const l of lines.slice(from, from + 8)) expect(width(l)).toBeLessThanOrEqual(cols);
      expect(screen).toContain("Time to First Token");
    }, 120_000);

    test(`${cols}×${rows}: every command's help fits without wrapping`, async () => {
      for (const cmd of ["", "profile", "mock-server", "bus-demo"]) {
        const screen = await inTerminal(`${BINARY} ${cmd} --help`, cols, rows);
        const lines = screen.split("\n");
        expect(lines.length).toBeGreaterThan(10);
        const over = lines.filter((l) => width(l) > cols);
        expect(over).toEqual([]);
      }
    }, 120_000);
  }
});
