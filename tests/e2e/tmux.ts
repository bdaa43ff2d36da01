/**
 * A real pseudo-terminal for e2e tests: tmux, found on PATH or installed with apt-get when we may.
 * Tests that need it skip (visibly, counted) when it is absent.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** tmux on PATH, installed with apt-get if it is missing and we may. */
export function findTmux(): string | undefined {
  const found = Bun.which("tmux");
  if (found !== null) return found;
  if (Bun.which("apt-get") === null || process.getuid?.() !== 0) return undefined;
  Bun.spawnSync(["apt-get", "install", "-y", "-q", "tmux"], { stdout: "ignore", stderr: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return Bun.which("tmux") ?? undefined;
}

/** One window running a shell line: its screen, its flags, keys sent to it, its exit status. */
export type Pane = {
  /** The visible screen, as a person sees it (no escape codes). */
  screen(): string;
  /** The normal screen's scrollback and screen, wrapped lines joined. */
  history(): string;
  /** Whether the alternate screen is shown, and the cursor visible. */
  flags(): { alternate: boolean; cursor: boolean };
  keys(...keys: string[]): void;
  /** The pid of the shell running the command. */
  shellPid(): number;
  /** The command's exit status ("exit=N"), once it has ended. */
  exitStatus(): string;
  close(): void;
};

/**
 * A tmux server of its own (its socket named after this process), kept alive by one idle session:
 * tmux's server exits with its last session, and a session asked for while it exits fails.
 */
export class Terminals {
  readonly #tmux: string;
  readonly #socket: string;
  readonly #work: string;
  #count = 0;

  constructor(tmux: string, work: string, name: string) {
    this.#tmux = tmux;
    this.#work = work;
    this.#socket = `aiperf-${name}-${process.pid}`;
    this.#run(["-f", "/dev/null", "new-session", "-d", "-s", "keep", "sleep 3600"]);
  }

  #run(args: string[]): string {
    const r = Bun.spawnSync([this.#tmux, "-L", this.#socket, ...args]);
    return r.stdout.toString();
  }

  /**
   * Runs `command` in a fresh `cols`×`rows` window. The shell traps SIGINT (so Ctrl-C reaches the
   * command, which gets the default handling, and the shell lives on to write the exit status).
   */
  open(command: string, cols: number, rows: number): Pane {
    const name = `p${this.#count++}`;
    const done = `${this.#work}/${name}.done`;
    const script = `${this.#work}/${name}.sh`;
    writeFileSync(
      script,
      `trap true INT\ncd ${JSON.stringify(this.#work)}\nunset COLUMNS LINES NO_COLOR\n${command}\necho "exit=$?" > ${JSON.stringify(done)}\nsleep 600\n`,
    );
    const start = Bun.spawnSync([
      this.#tmux,
      "-L",
      this.#socket,
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(cols),
      "-y",
      String(rows),
      `bash ${JSON.stringify(script)}`,
    ]);
    if (start.exitCode !== 0) throw new Error(`tmux: ${start.stderr.toString()}`);
    this.#run(["set-option", "-t", name, "history-limit", "20000"]);
    return {
      screen: () => this.#run(["capture-pane", "-p", "-t", name]),
      history: () => this.#run(["capture-pane", "-p", "-J", "-S", "-", "-t", name]),
      flags: () => {
        const [alt, cursor] = this.#run(["display", "-p", "-t", name, "#{alternate_on} #{cursor_flag}"]).trim().split(" ");
        return { alternate: alt === "1", cursor: cursor === "1" };
      },
      keys: (...keys) => void this.#run(["send-keys", "-t", name, ...keys]),
      shellPid: () => Number(this.#run(["display", "-p", "-t", name, "#{pane_pid}"]).trim()),
      exitStatus: () => {
        try {
          return readFileSync(done, "utf8").trim();
        } catch {
          return "";
        }
      },
      close: () => void this.#run(["kill-session", "-t", name]),
    };
  }

  stop(): void {
    Bun.spawnSync([this.#tmux, "-L", this.#socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
  }
}
