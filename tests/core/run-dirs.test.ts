/** Temp directories of dead runs: recognised by the owner's pid and start time, and only those removed. */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { makeRunDir, removeDeadRunDirs } from "../../src/core/run-dirs.ts";

const startOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
};

let base = "";
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
  if (base !== "") rmSync(base, { recursive: true, force: true });
  base = "";
});

/** A directory `name` under a fresh base, holding one file (as a socket directory would). */
function runDir(name: string): string {
  if (base === "") base = mkdtempSync(join(tmpdir(), "bounds-rundirs-"));
  const path = join(base, name);
  mkdirSync(path);
  writeFileSync(join(path, "control.ipc"), "");
  return path;
}

describe("removeDeadRunDirs", () => {
  test("a directory whose pid has exited is removed, with its contents", async () => {
    const gone = Bun.spawn(["true"]);
    await gone.exited;
    const dead = runDir(`aiperf-${gone.pid}-12345-AbCd01`);
    const deadRun = runDir(`aiperf-run-${gone.pid}-12345-AbCd02`);
    expect(removeDeadRunDirs(base).sort()).toEqual([dead, deadRun].sort());
    expect([existsSync(dead), existsSync(deadRun)]).toEqual([false, false]);
  });

  test("a live owner keeps its directory; the same pid with another start time is a reused pid", async () => {
    const live = Bun.spawn(["sleep", "30"]);
    cleanup.push(() => live.kill("SIGKILL"));
    const start = startOf(live.pid);
    const owned = runDir(`aiperf-${live.pid}-${start}-AbCd03`);
    const reused = runDir(`aiperf-${live.pid}-${start + 1}-AbCd04`);
    expect(removeDeadRunDirs(base)).toEqual([reused]);
    expect(existsSync(owned)).toBe(true);
  });

  test("a killed owner not yet reaped (a zombie) counts as dead", async () => {
    // `sh` runs `sleep` and then execs a long sleep of its own without reaping the first: it stays a zombie.
    const parent = Bun.spawn(["sh", "-c", "sleep 30 & echo $!; exec sleep 30"], { stdout: "pipe" });
    cleanup.push(() => parent.kill("SIGKILL"));
    const reader = parent.stdout.getReader();
    const pid = Number(new TextDecoder().decode((await reader.read()).value).trim());
    const start = startOf(pid);
    process.kill(pid, "SIGKILL");
    const state = (): string => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        return "reaped";
      }
    };
    for (let i = 0; i < 100 && !/\) Z /.test(state()) && state() !== "reaped"; i++) await Bun.sleep(20);
    // Sometimes it is reaped at once (seen once when the whole suite ran in one process; SIGCHLD
    // ignored would do it) and no zombie can be made: the directory is then a dead pid's.
    if (state() !== "reaped") expect(state()).toMatch(/\) Z /);
    const zombie = runDir(`aiperf-${pid}-${start}-AbCd05`);
    expect(removeDeadRunDirs(base)).toEqual([zombie]);
  });

  test("this process's own directories, other names, files and links are left alone", async () => {
    const gone = Bun.spawn(["true"]);
    await gone.exited;
    const own = runDir(`aiperf-${process.pid}-${startOf(process.pid)}-AbCd06`);
    const others = ["aiperf-e2e-AbCd07", `aiperf-${gone.pid}-AbCd08`, `aiperfx-${gone.pid}-1-AbCd09`].map(runDir);
    writeFileSync(join(base, `aiperf-${gone.pid}-1-AbCd10`), "a file, not a run directory");
    const target = runDir("target");
    symlinkSync(target, join(base, `aiperf-${gone.pid}-1-AbCd11`));
    expect(removeDeadRunDirs(base)).toEqual([]);
    for (const path of [own, ...others, target, join(base, `aiperf-${gone.pid}-1-AbCd10`), join(base, `aiperf-${gone.pid}-1-AbCd11`)])
      expect(existsSync(path)).toBe(true);
  });

  test("makeRunDir names the directory after this process's pid and start time", () => {
    const dir = makeRunDir("aiperf-run");
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    expect(basename(dir)).toMatch(new RegExp(`^aiperf-run-${process.pid}-${startOf(process.pid)}-[A-Za-z0-9]{6}$`));
  });
});
