/** Slurm: `aiperf profile --slurm` (nodes started with srun in the allocation) and `aiperf slurm generate`. */
export { runSlurmProfile } from "./profile.ts";
export { DIRECTIVE_VALUE, sbatchScript } from "./sbatch.ts";
