/**
 * Where the nodes of a `--slurm` run go and the `srun` line that starts them (pure: tested
 * without a cluster). One node per host: a node sizes its workers to its host's cores.
 */
import { BenchError } from "../core/errors.ts";
import { expandHostlist } from "./hostlist.ts";

interface Allocation {
  jobId: string;
  /** Hosts of the allocation, each once, in Slurm's order. */
  hosts: string[];
  /** The allocation host this process runs on (SLURMD_NODENAME); undefined on a login host (salloc's shell). */
  here: string | undefined;
}

/** The allocation this process runs in, from the environment sbatch/salloc/srun set. */
export function readAllocation(env: Record<string, string | undefined>): Allocation {
  const jobId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  const list = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (jobId === undefined || jobId === "" || list === undefined || list === "") {
    throw new BenchError("CONFIG_INVALID", "--slurm needs a Slurm allocation: SLURM_JOB_ID and SLURM_JOB_NODELIST are not set", {
      hint: 'Run it inside one: "aiperf slurm generate ... -o job.sh && sbatch job.sh", or "salloc --nodes 3 --exclusive aiperf profile --slurm ..."',
    });
  }
  const hosts = [...new Set(expandHostlist(list))];
  const here = env.SLURMD_NODENAME;
  return { jobId, hosts, here: here !== undefined && hosts.includes(here) ? here : undefined };
}

/**
 * The hosts that get a node: the allocation's hosts other than the controller's; all of them
 * (the controller sharing its host with a node) when there is no other or too few for
 * `workerNodes`. Too few hosts in all is an error naming the fix.
 */
export function planNodeHosts(alloc: Allocation, workerNodes: number | undefined): string[] {
  const others = alloc.hosts.filter((h) => h !== alloc.here);
  if (workerNodes === undefined) return others.length > 0 ? others : alloc.hosts;
  if (workerNodes <= others.length) return others.slice(0, workerNodes);
  if (workerNodes <= alloc.hosts.length) return [...others, ...alloc.hosts.filter((h) => h === alloc.here)];
  throw new BenchError(
    "CONFIG_INVALID",
    `--worker-nodes ${workerNodes} needs ${workerNodes} hosts, but Slurm job ${alloc.jobId} has ${alloc.hosts.length} (${alloc.hosts.join(",")}); --slurm starts one node per host`,
    {
      hint: `Ask for ${workerNodes + 1} hosts (sbatch/salloc --nodes ${workerNodes + 1}: the controller on one, a node on each other), or lower --worker-nodes`,
    },
  );
}

interface SrunPlan {
  hosts: string[];
  /** tcp://HOST:PORT of the controller, as the nodes dial it. */
  controller: string;
  /** How the nodes' hosts run aiperf: this binary's path (a shared or identical install on every host). */
  command: string[];
  /** Names the step, so it can be found and cancelled (squeue --steps) even if srun is gone. */
  stepName: string;
}

/**
 * srun's arguments. `--overlap`: the step may share hosts with the controller's own step (salloc
 * + srun); `--whole`: a node gets every CPU of its host in the allocation, not one per task;
 * `--kill-on-bad-exit`: one node failing ends the step (the controller fails the run anyway);
 * `--input=none`: the terminal's keys belong to the controller; `--export=ALL` even where the site
 * or the job set SLURM_EXPORT_ENV=NONE, because the cluster token is not on this line: it travels
 * in the environment, so it never shows in ps or sacct.
 */
export function srunArgs(plan: SrunPlan): string[] {
  const n = plan.hosts.length;
  return [
    "srun",
    `--nodes=${n}`,
    `--ntasks=${n}`,
    "--ntasks-per-node=1",
    `--nodelist=${plan.hosts.join(",")}`,
    "--overlap",
    "--whole",
    "--kill-on-bad-exit=1",
    "--input=none",
    "--export=ALL",
    "--label",
    `--job-name=${plan.stepName}`,
    ...plan.command,
    "service",
    "--type",
    "node",
    "--controller",
    plan.controller,
  ];
}
