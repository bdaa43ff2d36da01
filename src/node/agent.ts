/**
 * `aiperf service --type node`: a worker node. It joins the controller (token checked), measures
 * its clock offset to it, downloads the dataset, starts workers and record processors sized to
 * its cores, and stays until the controller says bye. Raw replies stay on the node (worker →
 * record processor over IPC); only records cross the network. If the controller goes away, the
 * node stops its services and exits 1; the controller, for its part, counts a node whose
 * connection closes as lost and stops the run (fail fast: a restarted node would skew it).
 */
import { mkdirSync, realpathSync, rmSync } from "node:fs";
import { cpus, hostname } from "node:os";
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import { clusterPorts, urlHost } from "../cluster/ports.ts";
import { type ClockEstimate, decodeFrame, type FromNode, ToNode, WIRE_PROTOCOL } from "../cluster/messages.ts";
import { TOKEN_ENV } from "../cluster/token.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import type { LogLevelName } from "../core/log.ts";
import { makeRunDir } from "../core/run-dirs.ts";
import { allocatorEnv } from "../runtime/allocator-env.ts";
import { backgroundNiceEnv } from "../runtime/background-nice.ts";
import { jitEnv } from "../runtime/jit-env.ts";
import type { ServiceSpec } from "../runtime/context.ts";
import { type SpawnedService, spawnService } from "../runtime/spawn-service.ts";
import { calibrateClock } from "./calibrate.ts";
import { downloadDataset } from "./dataset.ts";
import { type Health, serveHealth } from "./health.ts";

export type NodeOptions = {
  controller: { host: string; port: number };
  /** Which of a node's roles this process tree runs (`--type`). */
  roles: { worker: boolean; recordProcessor: boolean };
  /** Where the services' IPC sockets go; agents of one host with the same directory form one node. */
  ipcDir?: string;
  workers?: number;
  recordProcessors?: number;
  healthPort?: number;
  /** How long to keep trying to reach a controller that is not up yet. */
  joinTimeoutSec: number;
  log: ConsolaInstance;
};

/** How often the offset is measured again while the run goes on (reported, so drift shows). */
const RECALIBRATE_MS = 5_000;
/** After bye, how long services get to exit on the controller's shutdown before they are killed. */
const STOP_GRACE_MS = 3_000;

/** Runs the node until the controller ends the run; resolves with the exit code. */
export async function runNode(opts: NodeOptions): Promise<number> {
  const token = process.env[TOKEN_ENV] ?? "";
  if (token === "") {
    throw new BenchError("CONFIG_INVALID", `${TOKEN_ENV} is not set: a node must present the run's cluster token`, {
      hint: "Set it to the token the controller was given or printed (the controller prints the whole node command)",
    });
  }
  const { log } = opts;
  const gateUrl = `http://${urlHost(opts.controller.host)}:${opts.controller.port}`;
  const ipcDir = opts.ipcDir === undefined ? undefined : sharedDir(opts.ipcDir);
  // A worker and a record processor started apart (two containers of a pod) pair through the directory they share.
  const group = `${hostname()}:${ipcDir ?? `pid ${process.pid}`}`;
  let health: Health | undefined;
  try {
    health = opts.healthPort === undefined ? undefined : serveHealth(opts.healthPort);
  } catch (error) {
    throw new BenchError("CONFIG_INVALID", `Cannot serve --health-port ${opts.healthPort}: ${(error as Error).message}`, { hint: "Pick a free port" });
  }
  const children: SpawnedService[] = [];
  let runDir: string | undefined;
  let stopping = false;
  let recalibrate: Timer | undefined;
  try {
    await waitForController(gateUrl, token, opts.joinTimeoutSec, log);
    const ws = new WebSocket(`${gateUrl.replace(/^http/, "ws")}/api/join`, { headers: { Authorization: `Bearer ${token}` } } as unknown as string[]);
    const send = (msg: FromNode): void => ws.send(JSON.stringify(msg));
    const cores = cpus().length;
    const sized = opts.workers ?? Math.max(1, Math.min(Math.floor(cores * 0.75) - 1, 32));
    const workers = opts.roles.worker ? sized : 0;
    const recordProcessors = opts.roles.recordProcessor ? (opts.recordProcessors ?? Math.max(1, Math.floor(sized / 4))) : 0;
    const outcome = await new Promise<number>((resolve) => {
      let nodeId = "";
      let welcome: Extract<ToNode, { type: "welcome" }> | undefined;
      ws.addEventListener("open", () => {
        send({
          type: "hello",
          protocol: WIRE_PROTOCOL,
          hostname: hostname(),
          controllerHost: opts.controller.host,
          workers,
          recordProcessors,
          group,
          pid: process.pid,
        });
      });
      ws.addEventListener("message", (event) => {
        const msg = decodeFrame(ToNode, event.data);
        if (typeof msg === "string") return log.warn(`Ignoring a message from the controller: ${msg}`);
        switch (msg.type) {
          case "welcome":
            welcome = msg;
            nodeId = msg.nodeId;
            log.info(`Joined the controller at ${gateUrl} as ${nodeId}: ${workers} worker(s), ${recordProcessors} record processor(s)`);
            if (workers === 0 || recordProcessors === 0)
              log.info(`The ${workers === 0 ? "workers" : "record processors"} of ${nodeId} are to join with --ipc-dir ${ipcDir}`);
            return;
          case "start":
            if (welcome === undefined) return;
            void start(welcome, msg).catch((error: Error) => {
              log.error(`Cannot start: ${error.message}`);
              send({ type: "failed", message: `${nodeId}: ${error.message}` });
              resolve(EXIT_CODES.FAILED);
            });
            return;
          case "kill":
            children.find((c) => c.name === msg.name)?.proc.kill("SIGKILL");
            return;
          case "bye":
            log.info(`The controller ended the run: ${msg.reason}`);
            stopping = true;
            resolve(EXIT_CODES.OK);
            return;
        }
      });
      ws.addEventListener("close", (event) => {
        if (stopping) return resolve(EXIT_CODES.OK);
        // 1008: the controller turned this node away (it already has its --worker-nodes, or another build).
        if (event.code === 1008) {
          log.error(`The controller at ${gateUrl} refused this node: ${event.reason}`);
          return resolve(EXIT_CODES.USAGE);
        }
        log.error(`Lost the controller at ${gateUrl}${event.reason === "" ? "" : `: ${event.reason}`}: stopping`);
        resolve(EXIT_CODES.FAILED);
      });
      const onSignal = (signal: NodeJS.Signals): void => {
        log.warn(`Received ${signal}: stopping this node (the controller will count it as lost)`);
        resolve(signal === "SIGINT" ? EXIT_CODES.INTERRUPTED : EXIT_CODES.TERMINATED);
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);

      const start = async (w: NonNullable<typeof welcome>, dataset: { sha256: string; bytes: number }): Promise<void> => {
        let clock = await calibrateClock(gateUrl);
        log.info(`Clock offset to the controller: ${describeClock(clock)}`);
        runDir = makeRunDir("aiperf-run");
        const datasetPath = join(runDir, "dataset.bin");
        await downloadDataset(gateUrl, token, datasetPath, dataset);
        log.info(`Dataset downloaded and checked (${dataset.bytes} bytes, SHA-256 ${dataset.sha256.slice(0, 12)}…)`);
        const ports = clusterPorts(w.basePort);
        const host = urlHost(opts.controller.host);
        const base = {
          control: `tcp://${host}:${ports.control}`,
          events: `tcp://${host}:${ports.events}`,
          bindTemplate: `ipc://${ipcDir ?? runDir}/{name}.ipc`,
          logLevel: w.logLevel as LogLevelName,
          heartbeatMs: w.heartbeatMs,
          config: {},
        };
        // Every time a service stamps is on the controller's clocks (core/clock.ts).
        // Workers and record processors work for every request: mimalloc keeps freed pages (runtime/allocator-env.ts).
        const env = {
          ...allocatorEnv(),
          ...w.env,
          AIPERF_NODE_MONO_OFFSET_NS: String(Math.round(clock.monoOffsetNs)),
          AIPERF_NODE_WALL_OFFSET_NS: String(Math.round(clock.wallOffsetNs)),
        };
        const specs: ServiceSpec[] = [
          ...Array.from({ length: recordProcessors }, (_, i) => ({ ...base, role: "record-processor", id: `${nodeId}.${i}` })),
          ...Array.from({ length: workers }, (_, i) => ({ ...base, role: "worker", id: `${nodeId}.${i}` })),
        ];
        for (const spec of specs) {
          // Record processors also get the records path's JIT setting and lower priority (runtime/jit-env.ts, background-nice.ts).
          const child = spawnService(spec, log, spec.role === "record-processor" ? { ...env, ...jitEnv(), ...backgroundNiceEnv() } : env);
          children.push(child);
          void child.exited.then(({ code, signal }) => {
            if (!stopping && ws.readyState === WebSocket.OPEN) send({ type: "child_exit", name: child.name, code, signal });
          });
        }
        send({ type: "ready", services: children.map((c) => c.name), datasetPath, clock });
        health?.ready(true);
        recalibrate = setInterval(() => {
          void calibrateClock(gateUrl, 8).then(
            (next) => {
              clock = next;
              if (ws.readyState === WebSocket.OPEN) send({ type: "clock", clock });
            },
            () => {},
          );
        }, RECALIBRATE_MS);
      };
    });
    stopping = true;
    clearInterval(recalibrate);
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, "node stopping");
    return outcome;
  } finally {
    stopping = true;
    clearInterval(recalibrate);
    health?.ready(false);
    await stopChildren(children);
    health?.stop();
    if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * The longest socket file a node's service puts in --ipc-dir (runtime/service-runtime.ts names them
 * role-id-socket), with room for four-digit node numbers; a socket path has 107 bytes at most.
 */
const LONGEST_SOCKET = "/record-processor-node-9999.999-raw.ipc";
const IPC_PATH_MAX = 107;

/** The absolute --ipc-dir, made if missing; one that cannot be made, or is too long for socket paths, is a usage error. */
function sharedDir(dir: string): string {
  let path: string;
  try {
    mkdirSync(dir, { recursive: true });
    path = realpathSync(dir);
  } catch (error) {
    throw new BenchError("CONFIG_INVALID", `Cannot use --ipc-dir ${dir}: ${(error as Error).message}`, {
      hint: "Give a writable directory on this host, the same for the worker and the record processor",
    });
  }
  const room = IPC_PATH_MAX - LONGEST_SOCKET.length;
  if (Buffer.byteLength(path) > room)
    throw new BenchError("CONFIG_INVALID", `--ipc-dir ${path} is too long: socket paths in it would pass the 107-byte limit`, {
      hint: `Give a directory of at most ${room} bytes, e.g. /run/aiperf`,
    });
  return path;
}

/** The controller's bus shutdown usually stops them first; what is left after the grace is killed. */
async function stopChildren(children: SpawnedService[]): Promise<void> {
  const all = Promise.all(children.map((c) => c.exited));
  const late = await Promise.race([all.then(() => false), Bun.sleep(STOP_GRACE_MS).then(() => true)]);
  if (!late) return;
  for (const c of children) c.proc.kill("SIGKILL");
  await all;
}

/**
 * Asks until the controller answers (nodes may start before it, as under Slurm or Kubernetes);
 * a wrong token is final: exit 2 with the reason.
 */
async function waitForController(gateUrl: string, token: string, timeoutSec: number, log: ConsolaInstance): Promise<void> {
  const deadline = Date.now() + timeoutSec * 1000;
  let said = false;
  for (;;) {
    const answer = await fetch(`${gateUrl}/api/hello`, { headers: { Authorization: `Bearer ${token}` } }).then(
      async (r) => ({ status: r.status, text: (await r.text()).trim() }),
      (error: Error) => ({ status: 0, text: error.message }),
    );
    if (answer.status === 200) return;
    if (answer.status === 401 || answer.status === 409) {
      throw new BenchError("CONFIG_INVALID", `The controller at ${gateUrl} refused this node: ${answer.text}`, {
        hint:
          answer.status === 401
            ? `Set ${TOKEN_ENV} to the run's token (the controller prints it with the node command)`
            : "Start only as many nodes as the controller's --worker-nodes",
      });
    }
    if (Date.now() > deadline)
      throw new BenchError(
        "SERVICE_START_TIMEOUT",
        `No controller answered at ${gateUrl} within ${timeoutSec} s (last: ${answer.status === 0 ? answer.text : `HTTP ${answer.status}`})`,
        { hint: "Check --controller and that the controller runs with --zmq-host and --worker-nodes" },
      );
    if (!said) log.info(`Waiting for the controller at ${gateUrl}…`);
    said = true;
    await Bun.sleep(500);
  }
}

export function describeClock(c: ClockEstimate): string {
  return `${(c.wallOffsetNs / 1e6).toFixed(3)} ms ± ${(c.uncertaintyNs / 1e6).toFixed(3)} ms`;
}
