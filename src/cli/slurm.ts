/** `aiperf slurm generate <profile flags> [--nodes N] …`: an sbatch script that runs `aiperf profile --slurm` (beyond upstream). */
import { existsSync, writeFileSync } from "node:fs";
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { parseProfileInput, readProfileInput, withFileFlags } from "../config/config-file.ts";
import { invalidValue } from "../config/conflict.ts";
import { BenchError } from "../core/errors.ts";
import { isCompiled } from "../core/self.ts";
import { VERSION } from "../core/version.ts";
import { DIRECTIVE_VALUE, sbatchScript } from "../slurm/index.ts";
import { readStudyOptions } from "../study/options.ts";
import { readCommandFlags } from "./flags.ts";

const GENERATE_ARGS = {
  nodes: {
    type: "string",
    default: "2",
    description: "Hosts to allocate: the controller runs on the first, a node on each other (1: controller and one node share the host)",
  },
  partition: { type: "string", description: "#SBATCH --partition" },
  time: { type: "string", description: "#SBATCH --time (e.g. 30, 1:00:00, 1-0)" },
  account: { type: "string", description: "#SBATCH --account" },
  "job-name": { type: "string", default: "aiperf", description: "#SBATCH --job-name" },
  binary: { type: "string", description: "Path of aiperf on the cluster's hosts (default: this binary's path; $AIPERF overrides it at run time)" },
  output: { type: "string", alias: "o", description: "Write the script here instead of printing it" },
  force: { type: "boolean", description: "Overwrite --output when it exists" },
} satisfies ArgsDef;

const GenerateSchema = v.object({
  nodes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  partition: v.optional(v.string()),
  time: v.optional(v.string()),
  account: v.optional(v.string()),
  "job-name": v.string(),
  binary: v.optional(v.pipe(v.string(), v.minLength(1))),
  output: v.optional(v.pipe(v.string(), v.minLength(1))),
  force: v.optional(v.boolean()),
});

/** Splits the command line into generate's own flags and the profile flags for the script. */
function splitArgs(rawArgs: readonly string[]): { own: string[]; profile: string[] } {
  const names = new Map<string, boolean>(); // flag → takes a value
  for (const [key, def] of Object.entries(GENERATE_ARGS)) {
    names.set(`--${key}`, def.type !== "boolean");
    const alias = (def as { alias?: string }).alias;
    if (alias !== undefined) names.set(`-${alias}`, def.type !== "boolean");
  }
  const own: string[] = [];
  const profile: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    const valued = names.get(arg.split("=")[0] as string);
    if (valued === undefined) profile.push(arg);
    else {
      own.push(arg);
      if (valued && !arg.includes("=") && i + 1 < rawArgs.length) own.push(rawArgs[++i] as string);
    }
  }
  return { own, profile: profile.filter((a) => a !== "--slurm") };
}

const generateCommand = defineCommand({
  meta: { name: "slurm generate", description: "Write an sbatch script that runs aiperf profile --slurm with these profile flags" },
  args: GENERATE_ARGS,
  run({ rawArgs }) {
    const { own, profile } = splitArgs(rawArgs);
    const flags = readCommandFlags("slurm generate", GENERATE_ARGS, GenerateSchema, own);
    // sbatch reads #SBATCH lines itself (no shell quoting there): only plain values go in.
    for (const key of ["partition", "time", "account", "job-name"] as const) {
      const value = flags[key];
      if (value !== undefined && !DIRECTIVE_VALUE.test(value))
        throw invalidValue(`--${key}`, value, "letters, digits and _ . , : + - only (it becomes an #SBATCH line)");
    }
    // The profile flags are checked now, as profile would, so a typo fails here and not in the queue.
    if (readStudyOptions(withFileFlags(profile)) !== undefined)
      throw new BenchError("CONFIG_INVALID", "--slurm runs one profile: comma lists, --num-profile-runs and SLA searches cannot go in a Slurm script", {
        hint: "Generate one script per run",
      });
    parseProfileInput(readProfileInput(profile));
    if (flags.binary === undefined && !isCompiled())
      throw new BenchError("CONFIG_INVALID", "--binary is needed when aiperf runs from source: the script must name the compiled aiperf", {
        hint: "--binary /path/to/aiperf (as the cluster's hosts see it)",
      });
    const text = sbatchScript({
      nodes: flags.nodes,
      partition: flags.partition,
      time: flags.time,
      account: flags.account,
      jobName: flags["job-name"],
      binary: flags.binary ?? process.execPath,
      profileArgs: profile,
      version: VERSION,
    });
    if (flags.output === undefined) return void process.stdout.write(text);
    if (existsSync(flags.output) && flags.force !== true)
      throw new BenchError("CONFIG_INVALID", `${flags.output} exists: not overwritten`, { hint: "pass --force to overwrite it, or choose another --output" });
    try {
      writeFileSync(flags.output, text, { mode: 0o700 });
    } catch (error) {
      throw new BenchError("CONFIG_INVALID", `Cannot write --output ${flags.output}: ${(error as Error).message}`);
    }
    process.stdout.write(`Wrote ${flags.output}. Submit it: sbatch ${flags.output}\n`);
  },
});

export const slurmCommand = defineCommand({
  meta: { name: "slurm", description: "Run on a Slurm cluster: write an sbatch script for aiperf profile --slurm" },
  subCommands: { generate: generateCommand },
});
