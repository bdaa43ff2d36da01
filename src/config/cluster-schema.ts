/** The values of the worker-node flags (cluster-flags.ts); profile-schema.ts spreads them in. */
import * as v from "valibot";

/** The first of the controller's five TCP ports (cluster/ports.ts) when --zmq-port is not given. */
export const DEFAULT_ZMQ_PORT = 5661;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

export const ClusterEntries = {
  workerNodes: v.optional(int(1, 1000)),
  zmqHost: v.optional(v.pipe(v.string(), v.minLength(1, "needs an address"))),
  zmqPort: v.optional(int(1, 65531), DEFAULT_ZMQ_PORT),
  zmqIpcPath: v.optional(v.pipe(v.string(), v.minLength(1, "needs a directory"))),
  nodeJoinTimeout: v.optional(v.pipe(v.number(), v.gtValue(0, "must be greater than 0")), 120),
  localWorkers: v.optional(v.boolean(), false),
};
