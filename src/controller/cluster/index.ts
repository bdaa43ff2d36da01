/**
 * A run whose load comes from worker nodes (`--worker-nodes N`): the gate nodes join through, the
 * wait for them, their services taken into the supervisor, where each node's workers and record
 * processors connect, what a lost node means, and the `nodes` block of the JSON export.
 */
import type { ConsolaInstance } from "consola";
import { type CreditClockEstimate, creditCorrection, tightest } from "../../cluster/credit-clock.ts";
import { type ClockEstimate, drifted, type NodeClock } from "../../cluster/messages.ts";
import { clusterPorts, urlHost } from "../../cluster/ports.ts";
import { newClusterToken, TOKEN_ENV } from "../../cluster/token.ts";
import type { ResolvedProfile } from "../../config/resolve.ts";
import { BenchError } from "../../core/errors.ts";
import type { ServiceName } from "../../protocol/contracts/index.ts";
import type { ExitInfo, ServiceHandle } from "../launchers.ts";
import type { Supervisor, SupervisorOptions } from "../supervisor.ts";
import { ClusterGate, hasBothRoles, type NodeEntry } from "./gate.ts";

/** The heartbeat interval the supervisor uses by default; nodes' services beat at it too. */
const HEARTBEAT_MS = 1000;
/** How often the nodes' clocks are checked against their credits during the run. */
const CREDIT_CHECK_MS = 2000;

/**
 * Before the supervisor exists: the token its sockets require of TCP peers (generated unless
 * AIPERF_CLUSTER_TOKEN is set; the services it starts inherit it), and its TCP endpoints.
 */
export function clusterSupervisorOptions(cfg: ResolvedProfile): Pick<SupervisorOptions, "tcpControl" | "tcpEvents" | "ipcDir"> {
  const ipc = cfg.zmqIpcPath === undefined ? {} : { ipcDir: cfg.zmqIpcPath };
  if (cfg.workerNodes === undefined || cfg.zmqHost === undefined) return ipc;
  if ((process.env[TOKEN_ENV] ?? "") === "") {
    process.env[TOKEN_ENV] = newClusterToken();
    generated = true;
  }
  const ports = clusterPorts(cfg.zmqPort);
  const host = urlHost(cfg.zmqHost);
  return { ...ipc, tcpControl: `tcp://${host}:${ports.control}`, tcpEvents: `tcp://${host}:${ports.events}` };
}
let generated = false;

type Deferred = { resolve(info: ExitInfo): void; done: boolean };
type Placement = { creditsEndpoint: string; processorEndpoints: string[]; datasetPath: string };

type NodeSummary = {
  id: string;
  host: string;
  hostname: string;
  offset_ns: number;
  mono_offset_ns: number;
  uncertainty_ns: number;
  last_offset_ns: number | null;
  clock_corrections: number;
  /** The credit clock (cluster/credit-clock.ts): what the applied offset still missed, per its workers' credits. */
  credit_offset_ns: number | null;
  credit_uncertainty_ns: number | null;
  credit_samples: number;
  /** Corrections the credit clock made (part of clock_corrections). */
  credit_corrections: number;
  workers: number;
  record_processors: number;
  requests: number | null;
  lost: boolean;
};

export class Cluster {
  readonly gate: ClusterGate;
  #cfg: ResolvedProfile;
  #sup: Supervisor;
  #log: ConsolaInstance;
  #exits = new Map<string, Deferred>();
  #changed: (() => void) | undefined;
  #startedAt = Date.now();
  #command: string;
  #credits = new Map<string, CreditClockEstimate>();
  #creditTimer: Timer | undefined;

  constructor(cfg: ResolvedProfile, sup: Supervisor, log: ConsolaInstance) {
    this.#cfg = cfg;
    this.#sup = sup;
    this.#log = log;
    const host = cfg.zmqHost as string;
    const ports = clusterPorts(cfg.zmqPort);
    const token = process.env[TOKEN_ENV] as string;
    const shown = host === "0.0.0.0" || host === "::" ? "<this host's address>" : urlHost(host);
    this.#command = `${generated ? `${TOKEN_ENV}=${token}` : `${TOKEN_ENV}=<the token set here>`} aiperf service --type node --controller tcp://${shown}:${ports.gate}`;
    const cap = String(Math.min(65535, Math.max(256, (cfg.concurrency ?? 32768) * 2)));
    try {
      this.gate = new ClusterGate({
        host,
        port: ports.gate,
        basePort: cfg.zmqPort,
        token,
        expected: cfg.workerNodes as number,
        logLevel: cfg.logLevel,
        heartbeatMs: HEARTBEAT_MS,
        env: { BUN_CONFIG_MAX_HTTP_REQUESTS: cap },
        log,
        events: {
          changed: () => this.#changed?.(),
          lost: (node, why) => void this.#lost(node, why),
          childExit: (node, name, code, signal) => this.#childExit(node, name, code, signal),
          clock: (node) => this.#clock(node),
        },
      });
    } catch (error) {
      throw new BenchError("CONFIG_INVALID", `Cannot listen for worker nodes on ${host}:${ports.gate}: ${(error as Error).message}`, {
        hint: `--zmq-host must be an address of this host; ports ${ports.gate}-${ports.records} must be free (--zmq-port picks the first)`,
      });
    }
    log.info(`Waiting for ${cfg.workerNodes} worker node(s); on each node's host run:\n  ${this.#command}`);
  }

  /** Resolves once every expected node has its services registered; fails naming who is missing. */
  async waitForNodes(datasetPath: string): Promise<void> {
    await this.gate.offerDataset(datasetPath);
    const expected = this.#cfg.workerNodes as number;
    const deadline = this.#startedAt + this.#cfg.nodeJoinTimeout * 1000;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const failed = this.gate.nodes.find((n) => n.failed !== undefined || n.lostWhy !== undefined);
        if (failed !== undefined)
          return finish(
            new BenchError("SERVICE_START_TIMEOUT", `Worker node ${failed.id} (${failed.address}) could not start: ${failed.failed ?? failed.lostWhy}`),
          );
        if (this.#readyNodes() >= expected) return finish();
      };
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.#changed = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(() => finish(this.#missing(expected)), Math.max(0, deadline - Date.now()));
      this.#changed = check;
      check();
    });
    const adopted = this.gate.nodes.flatMap((node) => (node.ready?.services ?? []).map((name) => ({ name, handle: this.#handle(node, name) })));
    await this.#sup.adopt(adopted);
    this.#creditTimer = setInterval(() => void this.#checkCredits(true), CREDIT_CHECK_MS);
    // One line per node: a node started as single roles has one agent per role, each with its own clock reading.
    for (const group of this.gate.groups()) {
      const clocks = group.map(
        (n) => `${((n.ready?.clock.wallOffsetNs ?? 0) / 1e6).toFixed(3)} ms ± ${((n.ready?.clock.uncertaintyNs ?? 0) / 1e6).toFixed(3)} ms`,
      );
      const agents = group.length > 1 ? ` (${group.length} agents)` : "";
      this.#log.info(`Node ${(group[0] as NodeEntry).id} is ready${agents}: clock offset ${clocks.join(", ")}, applied to its timestamps`);
    }
  }

  #missing(expected: number): BenchError {
    const groups = this.gate.groups();
    const joined = groups.map((g) => {
      const first = g[0] as NodeEntry;
      const starting = g.some((n) => n.ready === undefined) ? " (joined, services not started)" : "";
      const dir = first.hello.group.slice(first.hello.group.indexOf(":") + 1);
      const half = !g.some((n) => n.hello.workers > 0)
        ? ` (no worker: start aiperf service --type worker --ipc-dir ${dir} beside it)`
        : !g.some((n) => n.hello.recordProcessors > 0)
          ? ` (no record processor: start aiperf service --type record-processor --ipc-dir ${dir} beside it)`
          : "";
      return `${first.id} from ${first.address}${starting}${half}`;
    });
    const parts = [
      `${this.#readyNodes()} of ${expected} worker node(s) ready within ${this.#cfg.nodeJoinTimeout} s`,
      joined.length === 0 ? "none joined" : `joined: ${joined.join(", ")}`,
      `${expected - groups.length} never joined`,
      ...(this.gate.refused.length === 0 ? [] : [`refused: ${this.gate.refused.join("; ")}`]),
    ];
    return new BenchError("SERVICE_START_TIMEOUT", parts.join("; "), {
      hint: `Start the missing node(s) with: ${this.#command} (or raise --node-join-timeout)`,
    });
  }

  /** Nodes whose agents all have their services up, with both roles among them. */
  #readyNodes(): number {
    return this.gate.groups().filter((g) => g.every((n) => n.ready !== undefined) && hasBothRoles(g)).length;
  }

  /** The services of node `id` (all its agents) whose names start with `prefix`. */
  #nodeServices(id: string, prefix: string): string[] {
    return this.gate.nodes.filter((n) => n.id === id).flatMap((n) => (n.ready?.services ?? []).filter((s) => s.startsWith(prefix)));
  }

  workers(): ServiceName<"worker">[] {
    return this.#services("worker:") as ServiceName<"worker">[];
  }

  processors(): ServiceName<"record-processor">[] {
    return this.#services("record-processor:") as ServiceName<"record-processor">[];
  }

  #services(prefix: string): string[] {
    return this.gate.nodes.flatMap((n) => (n.ready?.services ?? []).filter((s) => s.startsWith(prefix)));
  }

  #nodeOf(service: string): NodeEntry | undefined {
    return this.gate.nodes.find((n) => n.ready?.services.includes(service) === true);
  }

  /** Where a worker connects: a node's to the controller over TCP and to its own node's record processors. */
  placeWorker(worker: string, local: Placement, processorEndpoint: Map<string, string>): Placement & { workerId?: string } {
    const node = this.#nodeOf(worker);
    if (node?.ready === undefined) return local;
    const ports = clusterPorts(this.#cfg.zmqPort);
    const mine = this.#nodeServices(node.id, "record-processor:").map((s) => processorEndpoint.get(s) as string);
    const index = worker.slice(worker.lastIndexOf(".") + 1);
    return {
      creditsEndpoint: `tcp://${urlHost(node.hello.controllerHost)}:${ports.credits}`,
      processorEndpoints: mine,
      datasetPath: node.ready.datasetPath,
      workerId: `${node.id}/worker-${index}`,
    };
  }

  /** Where a record processor sends records and reads the dataset. */
  placeProcessor(processor: string, local: { recordsEndpoint: string; datasetPath: string }): { recordsEndpoint: string; datasetPath: string } {
    const node = this.#nodeOf(processor);
    if (node?.ready === undefined) return local;
    return { recordsEndpoint: `tcp://${urlHost(node.hello.controllerHost)}:${clusterPorts(this.#cfg.zmqPort).records}`, datasetPath: node.ready.datasetPath };
  }

  #handle(node: NodeEntry, name: string): ServiceHandle {
    let resolve!: (info: ExitInfo) => void;
    const exited = new Promise<ExitInfo>((r) => (resolve = r));
    const deferred: Deferred = {
      done: false,
      resolve: (info) => {
        if (deferred.done) return;
        deferred.done = true;
        resolve(info);
      },
    };
    this.#exits.set(name, deferred);
    return { pid: undefined, exited, kill: () => this.gate.send(node, { type: "kill", name }) };
  }

  #childExit(node: NodeEntry, name: string, code: number | null, signal: string | null): void {
    this.#exits.get(name)?.resolve({
      code,
      signal,
      ...(code === 0 && signal === null
        ? {}
        : {
            reason: `Service "${name}" on ${node.id} (${node.address}) ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`} unexpectedly`,
          }),
    });
  }

  /** A new measurement from a node: applied to its running services only when it is drift, not noise. */
  #clock(node: NodeEntry): void {
    if (node.applied === undefined || node.clock === undefined || node.lostWhy !== undefined || !drifted(node.applied, node.clock)) return;
    this.#apply(node, node.clock, "a round trip to the controller", false);
  }

  /**
   * Reads every worker's credit clock from timing, keeps each node's tightest, and (when `apply`)
   * corrects a node whose credits show its applied offset wrong: the estimate's interval excludes zero.
   */
  async #checkCredits(apply: boolean): Promise<void> {
    const byWorker = await this.#sup.command("timing:0", "credit_clock", undefined, 2000).catch(() => undefined);
    if (byWorker === undefined) return;
    for (const node of this.gate.nodes) {
      const workers = (node.ready?.services ?? []).filter((s) => s.startsWith("worker:"));
      if (workers.length === 0) continue;
      const estimate = tightest(workers.flatMap((w) => byWorker[w] ?? []));
      if (estimate === undefined) continue;
      this.#credits.set(node.id, estimate);
      if (!apply || node.applied === undefined || node.lostWhy !== undefined) continue;
      const corrected = creditCorrection(node.applied, estimate);
      if (corrected !== undefined) this.#apply(node, corrected, `its credits (${estimate.samples} round trips)`, true);
    }
  }

  #apply(node: NodeEntry, next: ClockEstimate, source: string, byCredits: boolean): void {
    const before = node.applied?.wallOffsetNs ?? 0;
    this.#log.info(
      `Node ${node.id}'s clock drifted: offset ${(before / 1e6).toFixed(3)} → ${(next.wallOffsetNs / 1e6).toFixed(3)} ms (± ${(next.uncertaintyNs / 1e6).toFixed(3)}) per ${source}, applied from now on`,
    );
    node.applied = next;
    node.corrections++;
    const msg: NodeClock = { node: node.id, monoOffsetNs: next.monoOffsetNs, wallOffsetNs: next.wallOffsetNs };
    this.#sup.broadcast("node_clock", msg);
    if (byCredits) node.creditCorrections++;
  }

  /** A node's connection closed mid-run: say which node and what it had in flight, then lose its services. */
  async #lost(node: NodeEntry, why: string): Promise<void> {
    if (node.ready === undefined) return this.#changed?.();
    const names = node.ready.services;
    // A node split in two: losing either half stops its workers' requests.
    const workers = this.#nodeServices(node.id, "worker:");
    const inFlight = await this.#sup.command("timing:0", "in_flight", undefined, 2000).then(
      (byWorker) => workers.reduce((sum, w) => sum + (byWorker[w] ?? 0), 0),
      () => undefined,
    );
    const message = `Worker node ${node.id} (${node.address}, ${node.hello.hostname}) was lost: ${why}, with ${inFlight ?? "an unknown number of"} request(s) in flight on it`;
    names.forEach((name, i) =>
      this.#exits.get(name)?.resolve({ code: null, signal: null, reason: i === 0 ? message : `Service "${name}" was lost with ${node.id}` }),
    );
  }

  /** Per node: clock offsets (applied and last measured), its processes, and requests completed (null when lost). */
  async summary(): Promise<NodeSummary[]> {
    clearInterval(this.#creditTimer);
    await this.#checkCredits(false);
    return Promise.all(
      this.gate.groups().map(async (agents) => {
        // A node split in two is one entry: its clocks are its workers' agent's (they stamp the times).
        const node = agents.find((n) => n.hello.workers > 0) ?? (agents[0] as NodeEntry);
        const workers = this.#nodeServices(node.id, "worker:");
        const lost = agents.some((n) => n.lostWhy !== undefined);
        const stats = lost
          ? null
          : await Promise.all(workers.map((w) => this.#sup.command(w as ServiceName<"worker">, "stats", undefined, 5000))).catch(() => null);
        const clock = node.applied;
        const credit = this.#credits.get(node.id);
        return {
          id: node.id,
          host: node.address,
          hostname: node.hello.hostname,
          offset_ns: Math.round(clock?.wallOffsetNs ?? 0),
          mono_offset_ns: Math.round(clock?.monoOffsetNs ?? 0),
          uncertainty_ns: Math.round(clock?.uncertaintyNs ?? 0),
          last_offset_ns: node.clock === undefined ? null : Math.round(node.clock.wallOffsetNs),
          clock_corrections: node.corrections,
          credit_offset_ns: credit === undefined ? null : Math.round(credit.offsetNs),
          credit_uncertainty_ns: credit === undefined ? null : Math.round(credit.uncertaintyNs),
          credit_samples: credit?.samples ?? 0,
          credit_corrections: node.creditCorrections,
          workers: workers.length,
          record_processors: this.#nodeServices(node.id, "record-processor:").length,
          requests: stats === null ? null : stats.reduce((n, s) => n + s.completed, 0),
          lost,
        };
      }),
    );
  }

  /** After the supervisor's shutdown (the nodes' services have stopped): bye to the nodes, stop listening. */
  async close(reason: string): Promise<void> {
    clearInterval(this.#creditTimer);
    await this.#sup.shutdown(reason);
    this.gate.close(reason);
  }
}
