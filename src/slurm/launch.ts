/**
 * The node step: srun started in its own process group (a Ctrl-C on the terminal is the
 * controller's to handle, and srun treats SIGINT as "print status"), stopped by cancelling the
 * step through Slurm, which signals the nodes on every host, then by killing srun if it lingers.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";

interface NodeStep {
  /** srun's exit code (128+signal when killed); resolves once srun is gone. */
  exited: Promise<number>;
  /** Ends the step: waits `graceMs` for it to end on its own, then scancel, then SIGKILL. */
  stop(graceMs: number): Promise<void>;
}

const CANCEL_WAIT_MS = 5_000;

export function startNodeStep(argv: string[], env: Record<string, string | undefined>, jobId: string, stepName: string, say: (line: string) => void): NodeStep {
  const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), { env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.once("error", (error) => {
      done = true;
      say(`could not start ${argv[0]}: ${error.message}`);
      resolve(127);
    });
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
  const within = (ms: number): Promise<boolean> => Promise.race([exited.then(() => true), Bun.sleep(ms).then(() => false)]);
  return {
    exited,
    async stop(graceMs) {
      if (done || (await within(graceMs))) return;
      const step = findStep(env, jobId, stepName);
      say(`the node step is still running after the controller ended: cancelling ${step ?? `srun (pid ${child.pid})`}`);
      if (step !== undefined) spawnSync("scancel", [step], { env, stdio: "ignore", timeout: CANCEL_WAIT_MS });
      else child.kill("SIGTERM");
      if (await within(CANCEL_WAIT_MS)) return;
      say(`srun (pid ${child.pid}) did not exit ${CANCEL_WAIT_MS / 1000} s after the cancel: killed`);
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** JOBID.STEPID of the running step named `stepName`, from squeue; undefined when none or squeue fails. */
function findStep(env: Record<string, string | undefined>, jobId: string, stepName: string): string | undefined {
  const out = spawnSync("squeue", ["--noheader", "--steps", `--jobs=${jobId}`, "--format=%i|%j"], { env, encoding: "utf8", timeout: CANCEL_WAIT_MS });
  if (out.status !== 0 || typeof out.stdout !== "string") return undefined;
  for (const line of out.stdout.split("\n")) {
    const [id, name] = line.trim().split("|");
    if (name === stepName && id !== undefined && id !== "") return id;
  }
  return undefined;
}
