/**
 * Flags of a run whose load comes from worker nodes on other hosts (README "Running on several
 * machines"). Names as upstream's --zmq-host / --zmq-ipc-path; the rest are ours.
 */
import { DEFAULT_ZMQ_PORT } from "./cluster-schema.ts";
import type { FlagSpec } from "./flag-spec.ts";

export const CLUSTER_FLAGS: FlagSpec[] = [
  {
    key: "workerNodes",
    names: ["--worker-nodes"],
    kind: "number",
    help: "Wait for this many worker nodes (`aiperf service --type node`) to join, and take all load from them; needs --zmq-host",
  },
  {
    key: "zmqHost",
    names: ["--zmq-host"],
    kind: "string",
    help: "Address the controller listens on for worker nodes (the bus also binds TCP there, beside IPC); nodes connect to tcp://<it>:<--zmq-port>",
  },
  {
    key: "zmqPort",
    names: ["--zmq-port"],
    kind: "number",
    help: `First of five consecutive TCP ports for worker nodes: join/dataset HTTP, control, events, credits, records (default ${DEFAULT_ZMQ_PORT})`,
  },
  { key: "zmqIpcPath", names: ["--zmq-ipc-path"], kind: "string", help: "Directory for the bus's IPC socket files (default: a private temporary directory)" },
  {
    key: "nodeJoinTimeout",
    names: ["--node-join-timeout"],
    kind: "number",
    help: "Seconds to wait for the --worker-nodes to join before giving up (exit 3); default 120",
  },
  {
    key: "localWorkers",
    names: ["--local-workers"],
    kind: "boolean",
    help: "With --worker-nodes, also run the usual workers and record processors on the controller's host",
  },
];
