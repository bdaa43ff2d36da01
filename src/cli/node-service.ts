/**
 * `aiperf service --type node --controller tcp://HOST:PORT`: a worker node (README "Running on
 * several machines"). Upstream's `aiperf service --type <role>` starts one role of a Kubernetes
 * pod; here a node runs its workers and record processors together, so raw replies stay on it.
 */
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { parseControllerAddress } from "../cluster/ports.ts";
import { BenchError } from "../core/errors.ts";
import { createControllerLogger, LOG_LEVEL_NAMES } from "../core/log.ts";
import { readCommandFlags } from "./flags.ts";

const ARGS = {
  type: { type: "string", default: "node", description: "The role: node (workers and record processors, the only one built)" },
  controller: { type: "string", description: "The controller's address: tcp://HOST:PORT (its --zmq-host and --zmq-port)" },
  workers: { type: "string", description: "Worker processes (default from this host's CPU count)" },
  "record-processors": { type: "string", description: "Record processor processes (default max(1, workers/4))" },
  "health-port": { type: "string", description: "Serve /healthz and /readyz on this port (for Kubernetes probes)" },
  "join-timeout": { type: "string", default: "120", description: "Seconds to keep trying to reach a controller that is not up yet" },
  "log-level": { type: "string", default: "info", description: "error|warn|info|debug|trace" },
} satisfies ArgsDef;

const count = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024)));
const Flags = v.object({
  type: v.picklist(["node"]),
  controller: v.pipe(v.string(), v.minLength(1)),
  workers: count,
  "record-processors": count,
  "health-port": v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535))),
  "join-timeout": v.pipe(v.number(), v.gtValue(0)),
  "log-level": v.picklist(LOG_LEVEL_NAMES),
});

export const nodeServiceCommand = defineCommand({
  meta: { name: "service", description: "Run a worker node for a controller on another host (aiperf service --type node --controller tcp://HOST:PORT)" },
  args: ARGS,
  async run({ rawArgs }) {
    if (!rawArgs.some((a) => a === "--controller" || a.startsWith("--controller="))) {
      throw new BenchError("CONFIG_INVALID", "--controller is required: the controller's tcp://HOST:PORT", {
        hint: "The controller prints the whole node command when it starts with --worker-nodes",
      });
    }
    const type = rawArgs[rawArgs.indexOf("--type") + 1];
    if (rawArgs.includes("--type") && type !== "node") {
      throw new BenchError(
        "CONFIG_INVALID",
        `--type ${type ?? ""} is not built: only --type node, which runs a node's workers and record processors together (its raw replies stay on it)`,
        { hint: "Use --type node, with --workers and --record-processors to size it" },
      );
    }
    const flags = readCommandFlags("service", ARGS, Flags, rawArgs);
    const controller = parseControllerAddress(flags.controller);
    if (typeof controller === "string")
      throw new BenchError("CONFIG_INVALID", `Invalid --controller: ${controller}`, { hint: "e.g. --controller tcp://10.0.0.1:5661" });
    const log = createControllerLogger(flags["log-level"]).withTag("node");
    const { runNode } = await import("../node/agent.ts");
    process.exitCode = await runNode({
      controller,
      joinTimeoutSec: flags["join-timeout"],
      log,
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      ...(flags["record-processors"] === undefined ? {} : { recordProcessors: flags["record-processors"] }),
      ...(flags["health-port"] === undefined ? {} : { healthPort: flags["health-port"] }),
    });
  },
});
