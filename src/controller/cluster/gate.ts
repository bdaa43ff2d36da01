/**
 * The controller's door for worker nodes, on --zmq-host:--zmq-port (HTTP): GET /api/hello checks
 * the token, GET /api/join upgrades to the node's WebSocket (its membership), GET /api/time is
 * the clock the nodes calibrate against, GET /api/dataset serves dataset.bin with its SHA-256.
 * A request without the run's token is refused (401), logged, and goes no further.
 */
import type { ServerWebSocket } from "bun";
import type { ConsolaInstance } from "consola";
import { type ClockEstimate, DATASET_SHA256_HEADER, decodeFrame, FromNode, type ToNode, WIRE_PROTOCOL } from "../../cluster/messages.ts";
import { bearer, sameToken } from "../../cluster/token.ts";
import { monoNs, wallNs } from "../../core/clock.ts";
import { VERSION } from "../../core/version.ts";

type Hello = Extract<FromNode, { type: "hello" }>;

/** One node as the controller knows it. */
export type NodeEntry = {
  id: string;
  /** The address its connection came from. */
  address: string;
  hello: Hello;
  ws: ServerWebSocket<{ node?: NodeEntry }>;
  ready?: { services: string[]; datasetPath: string; clock: ClockEstimate };
  /** The latest calibration. */
  clock?: ClockEstimate;
  /** The offsets its services subtract now: ready.clock, then each drift applied. */
  applied?: ClockEstimate;
  /** How many times a drift was applied after the join. */
  corrections: number;
  /** Of those, how many the credit clock made (cluster/credit-clock.ts). */
  creditCorrections: number;
  /** Set when its connection closed without the controller ending the run. */
  lostWhy?: string;
  failed?: string;
};

/** Whether a node's agents (one, or two run apart) have both workers and record processors. */
export function hasBothRoles(agents: readonly NodeEntry[]): boolean {
  return agents.some((n) => n.hello.workers > 0) && agents.some((n) => n.hello.recordProcessors > 0);
}

type GateEvents = {
  /** The node's services are up (ready), or it gave up (failed). */
  changed(): void;
  lost(node: NodeEntry, why: string): void;
  childExit(node: NodeEntry, name: string, code: number | null, signal: string | null): void;
  clock(node: NodeEntry): void;
};

type WsData = { node?: NodeEntry; address: string };

export class ClusterGate {
  readonly nodes: NodeEntry[] = [];
  readonly refused: string[] = [];
  #server: ReturnType<typeof Bun.serve<WsData>>;
  #dataset: { path: string; sha256: string; bytes: number } | undefined;
  #closing = false;

  constructor(
    private readonly opts: {
      host: string;
      port: number;
      basePort: number;
      token: string;
      expected: number;
      logLevel: string;
      heartbeatMs: number;
      env: Record<string, string>;
      log: ConsolaInstance;
      events: GateEvents;
    },
  ) {
    this.#server = Bun.serve<WsData>({
      hostname: opts.host,
      port: opts.port,
      fetch: (req, server) => this.#fetch(req, server),
      websocket: {
        // Liveness between messages: a node whose host vanished is noticed without a FIN.
        sendPings: true,
        idleTimeout: 30,
        open: (ws) => this.#open(ws),
        message: (ws, data) => this.#message(ws, data),
        close: (ws, code, reason) => this.#close(ws, code, reason),
      },
    });
  }

  /** The port listened on (--zmq-port, or the one picked for port 0). */
  get port(): number {
    return this.#server.port as number;
  }

  /** The dataset is built: serve it and tell every node (those joining later are told on join). */
  async offerDataset(path: string): Promise<void> {
    const file = Bun.file(path);
    const hasher = new Bun.CryptoHasher("sha256");
    for await (const chunk of file.stream()) hasher.update(chunk);
    this.#dataset = { path, sha256: hasher.digest("hex"), bytes: file.size };
    for (const node of this.nodes) this.#startNode(node);
  }

  send(node: NodeEntry, msg: ToNode): void {
    if (node.ws.readyState === 1) node.ws.send(JSON.stringify(msg));
  }

  /** Says bye to every node still there and stops listening. */
  close(reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    for (const node of this.nodes) {
      this.send(node, { type: "bye", reason });
      node.ws.close(1000, "run over");
    }
    this.#server.stop(true);
  }

  #fetch(req: Request, server: Bun.Server<WsData>): Response | undefined {
    const path = new URL(req.url).pathname;
    // The clock answers anyone: it holds nothing, and calibration wants no extra work in the way.
    if (path === "/api/time") return Response.json({ monoNs: monoNs(), wallNs: wallNs() });
    const address = server.requestIP(req)?.address ?? "an unknown address";
    if (!sameToken(bearer(req.headers.get("authorization")), this.opts.token)) {
      const line = `${address} (${req.method} ${path}): wrong or missing cluster token`;
      // Probes repeat: each address is logged once.
      if (!this.refused.includes(line)) this.opts.log.warn(`Refused a node from ${line}`);
      if (!this.refused.includes(line)) this.refused.push(line);
      return new Response("wrong or missing cluster token (AIPERF_CLUSTER_TOKEN)\n", { status: 401 });
    }
    // A node split in two (--type worker, --type record-processor) joins as two agents: full is every node whole.
    const full = this.#complete() >= this.opts.expected && this.#groupCount() >= this.opts.expected;
    if (path === "/api/hello") return full ? new Response(`the run already has its ${this.opts.expected} node(s)\n`, { status: 409 }) : new Response("ok\n");
    if (path === "/api/join") {
      if (full || this.#closing) return new Response(`the run already has its ${this.opts.expected} node(s)\n`, { status: 409 });
      return server.upgrade(req, { data: { address } }) ? undefined : new Response("expected a WebSocket upgrade\n", { status: 400 });
    }
    if (path === "/api/dataset") {
      if (this.#dataset === undefined) return new Response("the dataset is not built yet\n", { status: 503 });
      return new Response(Bun.file(this.#dataset.path), { headers: { [DATASET_SHA256_HEADER]: this.#dataset.sha256 } });
    }
    return new Response("not found\n", { status: 404 });
  }

  #open(_ws: ServerWebSocket<WsData>): void {
    // The node speaks first (hello).
  }

  #message(ws: ServerWebSocket<WsData>, data: string | Buffer): void {
    const msg = decodeFrame(FromNode, typeof data === "string" ? data : data.toString());
    if (typeof msg === "string") return this.opts.log.warn(`Ignoring a message from node at ${ws.data.address}: ${msg}`);
    const node = ws.data.node;
    if (msg.type === "hello") {
      if (node !== undefined) return;
      if (msg.protocol !== WIRE_PROTOCOL) {
        const theirs = msg.protocol ?? "1 or older";
        this.opts.log.warn(
          `Refused the node at ${ws.data.address} (${msg.hostname}): it runs another aiperf build (wire protocol ${theirs}, this one ${WIRE_PROTOCOL}); start it from this binary (${VERSION})`,
        );
        // A close reason holds at most 123 bytes.
        return ws.close(1008, `another aiperf build (wire protocol ${theirs}, the controller's ${WIRE_PROTOCOL}): run the controller's binary here`);
      }
      const partners = this.nodes.filter((n) => n.hello.group === msg.group);
      if (partners.length === 0 && this.#groupCount() >= this.opts.expected) return ws.close(1008, "the run already has its nodes");
      const clash = partners.find((n) => (n.hello.workers > 0 && msg.workers > 0) || (n.hello.recordProcessors > 0 && msg.recordProcessors > 0));
      if (clash !== undefined) return ws.close(1008, `${clash.id} (${msg.group}) already has that role; give each node its own --ipc-dir`);
      const entry: NodeEntry = {
        id: partners[0]?.id ?? `node-${this.#groupCount() + 1}`,
        address: ws.data.address,
        hello: msg,
        ws: ws as ServerWebSocket<{ node?: NodeEntry }>,
        corrections: 0,
        creditCorrections: 0,
      };
      ws.data.node = entry;
      this.nodes.push(entry);
      this.opts.log.info(
        `Node ${entry.id} joined from ${entry.address} (${msg.hostname}): ${msg.workers} worker(s), ${msg.recordProcessors} record processor(s) (${this.#groupCount()}/${this.opts.expected})`,
      );
      this.send(entry, {
        type: "welcome",
        nodeId: entry.id,
        basePort: this.opts.basePort,
        logLevel: this.opts.logLevel,
        heartbeatMs: this.opts.heartbeatMs,
        env: this.opts.env,
      });
      this.#startNode(entry);
      return;
    }
    if (node === undefined) return;
    switch (msg.type) {
      case "ready":
        node.ready = { services: msg.services, datasetPath: msg.datasetPath, clock: msg.clock };
        node.clock = msg.clock;
        node.applied = msg.clock;
        this.opts.events.changed();
        return;
      case "clock":
        node.clock = msg.clock;
        this.opts.events.clock(node);
        return;
      case "child_exit":
        this.opts.events.childExit(node, msg.name, msg.code, msg.signal);
        return;
      case "failed":
        node.failed = msg.message;
        this.opts.events.changed();
        return;
    }
  }

  #close(ws: ServerWebSocket<WsData>, code: number, reason: string): void {
    const node = ws.data.node;
    if (node === undefined || this.#closing) return;
    node.lostWhy = `its connection closed (${code}${reason === "" ? "" : ` ${reason}`})`;
    this.opts.events.lost(node, node.lostWhy);
  }

  /** The agents of each node (one, or two for a node whose roles run apart). */
  groups(): NodeEntry[][] {
    const byGroup = new Map<string, NodeEntry[]>();
    for (const n of this.nodes) byGroup.set(n.hello.group, [...(byGroup.get(n.hello.group) ?? []), n]);
    return [...byGroup.values()];
  }

  #groupCount(): number {
    return new Set(this.nodes.map((n) => n.hello.group)).size;
  }

  /** Nodes that have both workers and record processors among their agents. */
  #complete(): number {
    return this.groups().filter(hasBothRoles).length;
  }

  #startNode(node: NodeEntry): void {
    if (this.#dataset !== undefined) this.send(node, { type: "start", sha256: this.#dataset.sha256, bytes: this.#dataset.bytes });
  }
}
