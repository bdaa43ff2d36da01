/**
 * `aiperf service --type node --controller tcp://HOST:PORT`: a worker node (README "Running on
 * several machines"). As upstream's `aiperf service --type <role[,role]>`, a role list may be
 * given: `node` is `worker,record-processor`; `--type worker` and `--type record-processor` run one
 * role each, as two containers of a pod do, pairing through the IPC directory they share
 * (`--ipc-dir`), so the raw replies still stay on the host.
 */
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { parseControllerAddress } from "../cluster/ports.ts";
import { BenchError } from "../core/errors.ts";
import { createControllerLogger, LOG_LEVEL_NAMES } from "../core/log.ts";
import { readCommandFlags } from "./flags.ts";

const ARGS = {
  type: {
    type: "string",
    default: "node",
    description: "The roles: node (= worker,record-processor), worker or record-processor; a single role pairs with the other through --ipc-dir",
  },
  controller: { type: "string", description: "The controller's address: tcp://HOST:PORT (its --zmq-host and --zmq-port)" },
  workers: { type: "string", description: "Worker processes (default from this host's CPU count)" },
  "record-processors": { type: "string", description: "Record processor processes (default max(1, workers/4))" },
  "health-port": { type: "string", description: "Serve /healthz and /readyz on this port (for Kubernetes probes)" },
  "ipc-dir": {
    type: "string",
    description: "Directory for the services' IPC sockets; a --type worker and a --type record-processor with the same one (same host) form one node",
  },
  "join-timeout": { type: "string", default: "120", description: "Seconds to keep trying to reach a controller that is not up yet" },
  "log-level": { type: "string", default: "info", description: "error|warn|info|debug|trace" },
} satisfies ArgsDef;

const count = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024)));
const Flags = v.object({
  type: v.string(),
  controller: v.pipe(v.string(), v.minLength(1)),
  workers: count,
  "record-processors": count,
  "health-port": v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535))),
  "ipc-dir": v.optional(v.pipe(v.string(), v.minLength(1))),
  "join-timeout": v.pipe(v.number(), v.gtValue(0)),
  "log-level": v.picklist(LOG_LEVEL_NAMES),
});

export const nodeServiceCommand = defineCommand({
  meta: {
    name: "service",
    description: "Run a worker node, or one of its roles, for a controller on another host (aiperf service --type node --controller tcp://HOST:PORT)",
  },
  args: ARGS,
  async run({ rawArgs }) {
    if (!rawArgs.some((a) => a === "--controller" || a.startsWith("--controller="))) {
      throw new BenchError("CONFIG_INVALID", "--controller is required: the controller's tcp://HOST:PORT", {
        hint: "The controller prints the whole node command when it starts with --worker-nodes",
      });
    }
    const flags = readCommandFlags("service", ARGS, Flags, rawArgs);
    const controller = parseControllerAddress(flags.controller);
    if (typeof controller === "string")
      throw new BenchError("CONFIG_INVALID", `Invalid --controller: ${controller}`, { hint: "e.g. --controller tcp://10.0.0.1:5661" });
    const roles = parseRoles(flags.type);
    if (typeof roles === "string") throw new BenchError("CONFIG_INVALID", roles, { hint: "e.g. --type node, or --type worker with --ipc-dir" });
    const single = roles.worker !== roles.recordProcessor;
    if (single && flags["ipc-dir"] === undefined) {
      const other = roles.worker ? "record-processor" : "worker";
      throw new BenchError("CONFIG_INVALID", `--type ${flags.type} needs --ipc-dir: the directory it shares with the --type ${other} beside it`, {
        hint: `Give both the same --ipc-dir (a pod's shared emptyDir), or run --type node for both roles in one process tree`,
      });
    }
    if (!roles.worker && flags.workers !== undefined) throw new BenchError("CONFIG_INVALID", `--workers needs the worker role; --type is ${flags.type}`);
    if (!roles.recordProcessor && flags["record-processors"] !== undefined)
      throw new BenchError("CONFIG_INVALID", `--record-processors needs the record-processor role; --type is ${flags.type}`);
    const log = createControllerLogger(flags["log-level"]).withTag("node");
    const { runNode } = await import("../node/agent.ts");
    process.exitCode = await runNode({
      controller,
      roles,
      joinTimeoutSec: flags["join-timeout"],
      ...(flags["ipc-dir"] === undefined ? {} : { ipcDir: flags["ipc-dir"] }),
      log,
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      ...(flags["record-processors"] === undefined ? {} : { recordProcessors: flags["record-processors"] }),
      ...(flags["health-port"] === undefined ? {} : { healthPort: flags["health-port"] }),
    });
  },
});

const ROLE_NAMES = ["node", "worker", "record-processor"] as const;

/** `node`, `worker`, `record-processor` or a comma list of them; a string says what is wrong. */
function parseRoles(type: string): { worker: boolean; recordProcessor: boolean } | string {
  const names = type.split(",").map((r) => r.trim());
  const unknown = names.find((r) => !(ROLE_NAMES as readonly string[]).includes(r));
  if (unknown !== undefined)
    return `--type ${type}: "${unknown}" is not a node role (${ROLE_NAMES.join(", ")}); the controller's roles run inside aiperf profile`;
  return { worker: names.some((r) => r !== "record-processor"), recordProcessor: names.some((r) => r !== "worker") };
}
