/**
 * `aiperf profile --slurm …` inside a Slurm allocation. This process stays a thin launcher: it
 * runs the controller as `aiperf profile … --zmq-host ADDR --zmq-port P --worker-nodes N` (the
 * node mode's own interface, so nothing here knows the controller's insides), waits until it
 * listens, starts one node per host with srun, and ends the node step when the controller ends:
 * normally, on failure, or on Ctrl-C/SIGTERM (forwarded to the controller, which stops the run).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:os";
import { takeHeldSignals } from "../core/early-signals.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { selfCommand } from "../core/self.ts";
import { withFileFlags } from "../config/config-file.ts";
import { readStudyOptions } from "../study/options.ts";
import { controllerAddress, freePortRange, waitForListener } from "./address.ts";
import { startNodeStep } from "./launch.ts";
import { planNodeHosts, readAllocation, srunArgs } from "./plan.ts";

/** How long the nodes get to leave on their own after the controller ended, before scancel. */
const NODE_EXIT_GRACE_MS = 10_000;

const say = (line: string): void => void process.stderr.write(`aiperf slurm: ${line}\n`);

/** Takes `--name VALUE` / `--name=VALUE` out of `args` (the last one wins, as in profile). */
export function takeFlag(args: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; ) {
    const arg = args[i] as string;
    if (arg === name) {
      if (i + 1 >= args.length) throw new BenchError("CONFIG_INVALID", `${name} needs a value`);
      value = args[i + 1];
      args.splice(i, 2);
    } else if (arg.startsWith(`${name}=`)) {
      value = arg.slice(name.length + 1);
      args.splice(i, 1);
    } else i++;
  }
  return value;
}

const positiveInt = (flag: string, text: string | undefined, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new BenchError("CONFIG_INVALID", `Invalid value "${text}" for ${flag}: expected an integer from 1 to ${max}`);
  return n;
};

/** Runs the whole thing; returns the exit code (the controller's). */
export async function runSlurmProfile(rawArgs: readonly string[]): Promise<number> {
  const args = rawArgs.filter((a) => a !== "--slurm");
  if (readStudyOptions(withFileFlags(args)) !== undefined) {
    throw new BenchError("CONFIG_INVALID", "--slurm runs one profile; comma lists, --num-profile-runs and SLA searches are not supported with it", {
      hint: "Submit one job per run (aiperf slurm generate for each), or run the study without --slurm",
    });
  }
  const env = process.env;
  const alloc = readAllocation(env);
  const givenHost = takeFlag(args, "--zmq-host");
  const givenPort = positiveInt("--zmq-port", takeFlag(args, "--zmq-port"), 65531);
  const hosts = planNodeHosts(alloc, positiveInt("--worker-nodes", takeFlag(args, "--worker-nodes"), 100_000));
  const host = givenHost ?? (await controllerAddress(alloc.here, env));
  // The controller listens on five consecutive ports from --zmq-port (the node mode's interface).
  const port = givenPort ?? freePortRange(host, 5);
  const token = env.AIPERF_CLUSTER_TOKEN !== undefined && env.AIPERF_CLUSTER_TOKEN !== "" ? env.AIPERF_CLUSTER_TOKEN : randomBytes(32).toString("hex");
  const childEnv = { ...env, AIPERF_CLUSTER_TOKEN: token };
  const self = selfCommand();
  say(
    `Slurm job ${alloc.jobId}: controller on ${alloc.here ?? "this host (outside the allocation)"} at tcp://${host}:${port}, ${hosts.length} node${hosts.length === 1 ? "" : "s"} on ${hosts.join(",")}`,
  );

  const controller = spawn(
    self[0] as string,
    [...self.slice(1), "profile", ...args, "--zmq-host", host, "--zmq-port", String(port), "--worker-nodes", String(hosts.length)],
    { env: childEnv, stdio: "inherit" },
  );
  const controllerExit = new Promise<number>((resolve) => {
    controller.once("error", (error) => resolve(failedToStart(error)));
    controller.once("exit", (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
  // A signal to this process (or to the whole group: the controller dedups a repeat within 500 ms).
  const forward = (signal: NodeJS.Signals): void => void controller.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  for (const held of takeHeldSignals()) forward(held);

  try {
    if (!(await waitForListener(host, port, controllerExit))) return await controllerExit;
    const stepName = `aiperf-nodes-${alloc.jobId}-${process.pid}`;
    const argv = srunArgs({ hosts, controller: `tcp://${host}:${port}`, command: self, stepName });
    const step = startNodeStep(argv, childEnv, alloc.jobId, stepName, say);
    void step.exited.then((code) => {
      if (code !== 0) say(`srun (the node step) exited with code ${code}; srun's and the nodes' messages are above`);
    });
    const code = await controllerExit;
    await step.stop(NODE_EXIT_GRACE_MS);
    return code;
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}

function failedToStart(error: Error): number {
  say(`could not start the controller: ${error.message}`);
  return EXIT_CODES.FAILED;
}
