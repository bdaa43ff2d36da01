/**
 * A real one-host Slurm cluster for the tests: munged, slurmctld and slurmd (Debian's `munge` and
 * `slurm-wlm`) started as plain processes with a generated slurm.conf in a temp dir, no systemd,
 * no cgroups (proctrack/linuxproc, task/none). Every process it starts, and every step or task
 * those start, carries a mark in its environment; stop() cancels the jobs and kills whatever
 * carries the mark, then removes the dir. start returns a reason instead when it cannot run here.
 */
import { type Subprocess, spawnSync } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { killMarked, leftRunning } from "../faults/support.ts";
import { freePortRange } from "../../src/slurm/address.ts";

export type SlurmCluster = {
  /** Environment for srun/sbatch/salloc/scontrol against this cluster (SLURM_CONF and the mark). */
  env: Record<string, string>;
  dir: string;
  mark: string;
  /** The node's name in slurm.conf (SLURM_JOB_NODELIST of every job). */
  node: string;
  /**
   * sbatch SCRIPT, then the job's exit code once it ended (polled every 200 ms: `sbatch --wait`
   * polls in seconds). Resolves -1 if it has not ended within `timeoutMs`.
   */
  submit(script: string, opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<{ jobId: string; code: number }>;
  stop(): Promise<void>;
};

const ENDED = /JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)\b/;

async function submitJob(
  env: Record<string, string>,
  script: string,
  opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ jobId: string; code: number }> {
  const sub = spawnSync(["sbatch", "--parsable", script], { env: { ...env, ...opts.env }, cwd: opts.cwd, timeout: 30_000 });
  const jobId = sub.stdout.toString().trim().split(";")[0] ?? "";
  if (sub.exitCode !== 0 || !/^\d+$/.test(jobId)) throw new Error(`sbatch failed: ${sub.stdout}${sub.stderr}`);
  const deadline = performance.now() + (opts.timeoutMs ?? 120_000);
  while (performance.now() < deadline) {
    const show = spawnSync(["scontrol", "--oneliner", "show", "job", jobId], { env, timeout: 10_000 }).stdout.toString();
    if (ENDED.test(show)) return { jobId, code: Number(/\bExitCode=(\d+):/.exec(show)?.[1] ?? -1) };
    await Bun.sleep(200);
  }
  return { jobId, code: -1 };
}

const NEEDED = ["munged", "slurmctld", "slurmd", "srun", "sbatch", "salloc", "squeue", "scancel", "scontrol", "sinfo"];
const NODE = "aiperf1";

const whichMissing = (): string[] => NEEDED.filter((cmd) => spawnSync(["sh", "-c", `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).exitCode !== 0);

/** A port for a Slurm daemon, picked where no outgoing connection takes it before the daemon binds it. */
const freePort = (): number => freePortRange("127.0.0.1", 1);

const sbin = (cmd: string): string => (existsSync(`/usr/sbin/${cmd}`) ? `/usr/sbin/${cmd}` : cmd);
const tail = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").slice(-8).join("\n") : "(no log)");

/** Starts the cluster, or says why it cannot (not installed, not root, a daemon would not start). */
export async function startSlurmCluster(): Promise<SlurmCluster | { skip: string }> {
  const missing = whichMissing();
  if (missing.length > 0) return { skip: `Slurm is not installed here (missing ${missing.join(", ")}; apt-get install slurm-wlm munge)` };
  if (process.getuid?.() !== 0) return { skip: "the one-host Slurm cluster needs root (slurmd starts jobs as their user)" };
  const dir = mkdtempSync(join(tmpdir(), "aiperf-slurm-"));
  const mark = `slurm-${process.pid}-${Date.now()}`;
  const conf = join(dir, "slurm.conf");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    SLURM_CONF: conf,
    AIPERF_FAULT_MARK: mark,
  };
  const procs: Subprocess[] = [];
  const stop = async (): Promise<void> => {
    spawnSync(["scancel", "--full", `--partition=test`], { env, timeout: 10_000 });
    for (const p of procs) p.kill("SIGTERM");
    await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(5_000)]);
    // Steps and tasks outlive slurmd (slurmstepd reparents to init): whatever carries the mark goes.
    killMarked(mark);
    await leftRunning(mark, 5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const sub of ["munge", "state", "spool"]) mkdirSync(join(dir, sub), { mode: 0o755 });
    writeFileSync(join(dir, "munge", "munge.key"), crypto.getRandomValues(new Uint8Array(1024)), { mode: 0o400 });
    const sock = join(dir, "munge", "munge.sock");
    const log = (name: string): string => join(dir, `${name}.log`);
    procs.push(
      Bun.spawn(
        [
          sbin("munged"),
          "--foreground",
          "--force",
          `--socket=${sock}`,
          `--key-file=${join(dir, "munge", "munge.key")}`,
          `--log-file=${log("munged")}`,
          `--pid-file=${join(dir, "munged.pid")}`,
          `--seed-file=${join(dir, "munge", "seed")}`,
        ],
        { env, stdout: "ignore", stderr: "ignore" },
      ),
    );
    for (let i = 0; i < 100 && !existsSync(sock); i++) await Bun.sleep(50);
    if (!existsSync(sock)) throw new Error(`munged did not start: ${tail(log("munged"))}`);
    writeFileSync(conf, slurmConf(dir, sock, freePort(), freePort()));
    procs.push(Bun.spawn([sbin("slurmctld"), "-D", "-i"], { env, stdout: "ignore", stderr: "ignore" }));
    procs.push(Bun.spawn([sbin("slurmd"), "-D", "-N", NODE], { env, stdout: "ignore", stderr: "ignore" }));
    // Up when the node is idle (slurmd registered and slurmctld accepts jobs).
    for (let i = 0; i < 150; i++) {
      const state = spawnSync(["sinfo", "--noheader", "--format=%T"], { env, timeout: 5_000 }).stdout.toString().trim();
      if (state === "idle") return { env, dir, mark, node: NODE, stop, submit: (script, opts) => submitJob(env, script, opts) };
      if (procs.some((p) => p.exitCode !== null)) break;
      await Bun.sleep(200);
    }
    throw new Error(`the node did not come up idle:\nslurmctld: ${tail(log("slurmctld"))}\nslurmd: ${tail(log("slurmd"))}`);
  } catch (error) {
    await stop();
    return { skip: `the one-host Slurm cluster did not start: ${(error as Error).message}` };
  }
}

function slurmConf(dir: string, mungeSocket: string, ctldPort: number, slurmdPort: number): string {
  return `${[
    "ClusterName=aiperftest",
    "SlurmctldHost=localhost(127.0.0.1)",
    "SlurmUser=root",
    "SlurmdUser=root",
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${mungeSocket}`,
    `StateSaveLocation=${join(dir, "state")}`,
    `SlurmdSpoolDir=${join(dir, "spool")}`,
    `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
    `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
    `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
    `SlurmdLogFile=${join(dir, "slurmd.log")}`,
    // No systemd and no cgroup delegation here: track processes by parentage, bind nothing.
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "MpiDefault=none",
    "SwitchType=switch/none",
    "MailProg=/bin/true",
    "ReturnToService=2",
    "KillWait=5",
    `NodeName=${NODE} NodeHostname=${hostname()} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} State=UNKNOWN`,
    `PartitionName=test Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP`,
  ].join("\n")}\n`;
}
