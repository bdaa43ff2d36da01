/**
 * A run's private directories under the temp dir (the bus's ipc sockets, dataset.bin) carry
 * their owner in the name, `aiperf-<pid>-<start>-XXXXXX` and `aiperf-run-<pid>-<start>-XXXXXX`
 * (<start>: the process's start time in clock ticks since boot, /proc/<pid>/stat field 22), so
 * that a run killed by SIGKILL, which cannot remove its own, leaves something the next run can
 * recognise as dead and remove: a directory of ours (same uid) whose pid no longer runs, or runs
 * a process that started at another time (the pid was reused). The start time is the kernel's
 * own count, so no wall clock that steps or drifts can make a live run's directory look dead.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type RunDirKind = "aiperf" | "aiperf-run";

const NAME = /^aiperf-(?:run-)?(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

/** A fresh private directory for this process: `<tmpdir>/<kind>-<pid>-<start>-XXXXXX`. */
export function makeRunDir(kind: RunDirKind): string {
  return mkdtempSync(join(tmpdir(), `${kind}-${process.pid}-${procStat(process.pid)?.start ?? 0}-`));
}

/** Removes the run directories of dead runs of this user under `dir`; returns the paths removed. */
export function removeDeadRunDirs(dir = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    const match = NAME.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      // Never follow a link, never touch another user's directory.
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      if (!ownerGone(pid, Number(match[2]))) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Removed meanwhile, or not ours to remove: left as it is.
    }
  }
  return removed;
}

/** True when `pid` does not run, is a zombie, or is a process that started at another time than `start`. */
function ownerGone(pid: number, start: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as someone else; only ESRCH means no such process.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  const stat = procStat(pid);
  // Without /proc (or a start recorded as 0) a live pid is taken to be the owner.
  if (stat === undefined) return false;
  // A zombie (killed, not yet reaped by its parent) still answers kill(0) but runs nothing.
  if (stat.state === "Z") return true;
  return start !== 0 && stat.start !== start;
}

/** `pid`'s state letter and start time (clock ticks since boot), from /proc; undefined without /proc. */
function procStat(pid: number): { state: string; start: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[19]); // field 22: starttime
    return Number.isSafeInteger(start) ? { state: fields[0] ?? "", start } : undefined;
  } catch {
    return undefined;
  }
}
