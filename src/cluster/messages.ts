/**
 * The node ↔ controller conversation on the node's WebSocket (GET /api/join): JSON text frames
 * with a literal `type`. The WebSocket's life is the node's membership: when it closes without
 * "bye", the controller counts the node as lost.
 */
import * as v from "valibot";

/** Clock estimate: node clock minus controller clock (ns), and its half round trip (ns). */
const Clock = v.object({ monoOffsetNs: v.number(), wallOffsetNs: v.number(), uncertaintyNs: v.number() });
export type ClockEstimate = v.InferOutput<typeof Clock>;

/**
 * What the roles' messages mean on the wire (credits, returns, raw and record batches, commands).
 * A node of another build may read them differently (a worker that does not know queued credits
 * would start them at once, past the concurrency ceiling), so the controller turns away a node
 * whose number differs. Raise it whenever a message between roles changes meaning. 2: queued
 * credits (Credit.queued/notAfterNs, CreditReturn.started/unsent), replies parsed in records.
 */
export const WIRE_PROTOCOL = 2;

const Hello = v.object({
  type: v.literal("hello"),
  /** The node's WIRE_PROTOCOL; absent from builds before it was introduced. */
  protocol: v.optional(v.number()),
  /** The node's host name, for the log and the JSON. */
  hostname: v.string(),
  /** The address the node reached the controller at; the controller's endpoints are given with it. */
  controllerHost: v.string(),
  workers: v.number(),
  recordProcessors: v.number(),
  /**
   * Agents with the same group are one node (`--type worker` and `--type record-processor` beside
   * each other: same host, same --ipc-dir): one node id, the workers send to its record processors.
   */
  group: v.string(),
  pid: v.number(),
});
/** The node's services are started (they register on the bus themselves); the dataset is at datasetPath. */
const Ready = v.object({ type: v.literal("ready"), services: v.array(v.string()), datasetPath: v.string(), clock: Clock });
/** A later calibration (drift is reported, not applied to a running worker). */
const ClockUpdate = v.object({ type: v.literal("clock"), clock: Clock });
/** One of the node's service processes ended on its own. */
const ChildExit = v.object({ type: v.literal("child_exit"), name: v.string(), code: v.nullable(v.number()), signal: v.nullable(v.string()) });
const NodeFailed = v.object({ type: v.literal("failed"), message: v.string() });

export const FromNode = v.variant("type", [Hello, Ready, ClockUpdate, ChildExit, NodeFailed]);
export type FromNode = v.InferOutput<typeof FromNode>;

const Welcome = v.object({
  type: v.literal("welcome"),
  nodeId: v.string(),
  /** The controller's first port (--zmq-port); the others follow it (ports.ts). */
  basePort: v.number(),
  logLevel: v.string(),
  heartbeatMs: v.number(),
  /** Extra environment for the node's services (the worker's HTTP request cap). */
  env: v.record(v.string(), v.string()),
});
/** The dataset is built: download it (GET /api/dataset), check it, start the services. */
const Start = v.object({ type: v.literal("start"), sha256: v.string(), bytes: v.number() });
/** Stop one service now (the supervisor's kill). */
const Kill = v.object({ type: v.literal("kill"), name: v.string() });
/** The run is over: stop the services (they also get the bus's shutdown) and exit 0. */
const Bye = v.object({ type: v.literal("bye"), reason: v.string() });

export const ToNode = v.variant("type", [Welcome, Start, Kill, Bye]);
export type ToNode = v.InferOutput<typeof ToNode>;

/** Parses one text frame; a string says why it is not a message. */
export function decodeFrame<T extends typeof FromNode | typeof ToNode>(schema: T, data: unknown): v.InferOutput<T> | string {
  if (typeof data !== "string") return "not a text frame";
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return "not JSON";
  }
  const parsed = v.safeParse(schema, json);
  return parsed.success ? parsed.output : `invalid message: ${parsed.issues[0]?.message ?? "unknown"}`;
}

/** Controller broadcast "node_clock": the node's services now subtract these offsets (core/clock.ts). */
export type NodeClock = { node: string; monoOffsetNs: number; wallOffsetNs: number };

/**
 * Whether a new measurement says the clocks drifted: it differs from the applied offset by more
 * than both measurements' uncertainty. Below that it is noise, and applying it would only move
 * the timestamps of the requests that straddle the change.
 */
export function drifted(applied: ClockEstimate, next: ClockEstimate): boolean {
  const noise = applied.uncertaintyNs + next.uncertaintyNs;
  return Math.abs(next.wallOffsetNs - applied.wallOffsetNs) > noise || Math.abs(next.monoOffsetNs - applied.monoOffsetNs) > noise;
}

/** The header that carries the SHA-256 (hex) of GET /api/dataset's body. */
export const DATASET_SHA256_HEADER = "X-Aiperf-Dataset-Sha256";
