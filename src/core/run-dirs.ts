/**
 * A run's private directories under the temp dir (the bus's ipc sockets, dataset.bin) carry
 * their owner's pid in the name, `aiperf-<pid>-XXXXXX` and `aiperf-run-<pid>-XXXXXX`, so that a
 * run killed by SIGKILL, which cannot remove its own, leaves something the next run can
 * recognise as dead and remove: a directory of ours (same uid) whose pid no longer runs, or
 * runs a process started after the directory was last changed (the pid was reused).
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RunDirKind = "aiperf" | "aiperf-run";

const NAME = /^aiperf-(?:run-)?(\d+)-[A-Za-z0-9]{6}$/;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat start times (100 on every mainstream arch). */
const TICKS_PER_SECOND = 100;

/** A fresh private directory for this process: `<tmpdir>/<kind>-<pid>-XXXXXX`. */
export function makeRunDir(kind: RunDirKind): string {
  return mkdtempSync(join(tmpdir(), `${kind}-${process.pid}-`));
}

/** Removes the run directories of dead runs of this user; returns the paths removed. */
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
    const pid = Number(NAME.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      // Never follow a link, never touch another user's directory.
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      if (!ownerGone(pid, st.mtimeMs)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Removed meanwhile, or not ours to remove: left as it is.
    }
  }
  return removed;
}

/** True when `pid` does not run, or runs a process that started after `changedMs`. */
function ownerGone(pid: number, changedMs: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as someone else; only ESRCH means no such process.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  const started = startTimeMs(pid);
  // The owner made the directory after it started; a process that started later is another one.
  // One second of slack for the start time's tick and the file system's clock.
  return started !== undefined && started > changedMs + 1000;
}

/** When `pid` started (epoch ms), from /proc; undefined where /proc cannot say. */
function startTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]); // field 22: starttime, in ticks since boot
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    return (btime + ticks / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}
