/**
 * The sbatch script `aiperf slurm generate` writes: whole hosts (--exclusive: a benchmark client
 * shares its cores with nobody), one task per host, and one line that runs `aiperf profile --slurm`
 * with the profile flags as given, each quoted for the shell.
 */
/** What a #SBATCH value may hold (sbatch reads those lines itself, not the shell): checked by the command. */
export const DIRECTIVE_VALUE = /^[A-Za-z0-9_.,:+-]+$/;

interface SbatchOptions {
  /** Hosts of the allocation: the controller's and one per node (the controller shares the first when 1). */
  nodes: number;
  partition?: string;
  time?: string;
  account?: string;
  jobName: string;
  /** The binary's path on the cluster's hosts; the script lets $AIPERF override it. */
  binary: string;
  profileArgs: string[];
  version: string;
}

/** A word as the shell reads it back unchanged: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function sbatchScript(o: SbatchOptions): string {
  const directive = (name: string, value: string | number | undefined): string[] => (value === undefined ? [] : [`#SBATCH --${name}=${value}`]);
  const args = ["profile", "--slurm", ...o.profileArgs].map(shellQuote);
  return [
    "#!/bin/bash",
    `# Written by aiperf ${o.version} (aiperf slurm generate). Submit with: sbatch THIS_FILE`,
    `# The controller runs on the first host; srun starts one aiperf node on each other host`,
    `# (on the only host, beside the controller, when --nodes=1). The hosts must reach the server.`,
    ...directive("job-name", o.jobName),
    ...directive("nodes", o.nodes),
    "#SBATCH --ntasks-per-node=1",
    "#SBATCH --exclusive",
    ...directive("partition", o.partition),
    ...directive("time", o.time),
    ...directive("account", o.account),
    "#SBATCH --output=aiperf-%j.out",
    "set -euo pipefail",
    `AIPERF="\${AIPERF:-${o.binary.replaceAll(/["$`\\]/g, (c) => `\\${c}`)}}"`,
    `exec "$AIPERF" ${args.join(" ")}`,
    "",
  ].join("\n");
}
