/**
 * The controller's side of the process model: starts services, waits for them to register, sends
 * commands, watches exits and heartbeats, and shuts everything down, leaving no process behind.
 */
import { rmSync } from "node:fs";
import type { ConsolaInstance } from "consola";
import { type BusSocket, createSocket, type Message } from "../bus/index.ts";
import { BenchError } from "../core/errors.ts";
import { escapeControls } from "../core/safe-text.ts";
import { markLoaded } from "../core/loaded.ts";
import { makeRunDir } from "../core/run-dirs.ts";
import type { LogLevelName } from "../core/log.ts";
import type {
  BroadcastName,
  Broadcasts,
  CommandArgs,
  CommandName,
  ReplyOf,
  RoleOf,
  ServiceEventName,
  ServiceEvents,
  ServiceName,
} from "../protocol/contracts/index.ts";
import { decodeControl, encodeControl, ToController, type ToService, topicOf } from "../protocol/control.ts";
import { type ServiceSpec, serviceName } from "../runtime/context.ts";
import type { ExitInfo, Launcher, ServiceHandle } from "./launchers.ts";

markLoaded("controller");

type Transport = "ipc" | "tcp" | "inproc";

export type SupervisorOptions = {
  launcher: Launcher;
  log: ConsolaInstance;
  /** Defaults to inproc for in-process services and ipc otherwise. */
  transport?: Transport;
  logLevel?: LogLevelName;
  registrationTimeoutMs?: number;
  heartbeatMs?: number;
  /** A registered service silent for this long is declared dead. */
  heartbeatTimeoutMs?: number;
  /** How long services get to exit after shutdown before they are killed. */
  shutdownGraceMs?: number;
  commandTimeoutMs?: number;
  /** Worker nodes: the control ROUTER and events PUB also listen on these TCP endpoints (dual bind). */
  tcpControl?: string;
  tcpEvents?: string;
  /** --zmq-ipc-path: the IPC socket files go here instead of a private temp directory. */
  ipcDir?: string;
};

/**
 * `with`: services run in this one's process, on its event loop (controller/profile.ts: timing in
 * the only local worker's); they register, answer and are reported lost apart, and die with it.
 */
export type ServiceRequest = { role: string; id: string; config?: unknown; env?: Record<string, string>; with?: ServiceRequest[] };

/** Registrations held for services not adopted yet (a node's), at most. */
const MAX_EARLY = 65_536;

/**
 * `busyUntilMs`: a service that announced a long job (heartbeat busyMs) is not silent before then.
 * `lost`: its death or silence was reported (once), whether or not the run went on without it.
 */
type Service = {
  name: string;
  handle: ServiceHandle;
  registered: boolean;
  lastSeenMs: number;
  lastBeatMs?: number;
  beatLateMs?: number;
  beatLateAtMs?: number;
  busyUntilMs?: number;
  pid?: number;
  loaded?: string[];
  exit?: ExitInfo;
  lost?: BenchError;
};
type Pending = { to: string; resolve(value: unknown): void; reject(error: Error): void; timer: Timer };

/** The longest job a service may announce: a frozen service is still found, just later. */
const MAX_BUSY_MS = 600_000;
/** Heartbeat lateness shown is the worst over about this long (the dashboard reads it at 4 Hz). */
const LATE_WINDOW_MS = 5_000;

/** Decides what losing a service means: true when the run copes without it, false to fail the run. */
type LostHandler = (name: string, error: BenchError) => boolean;

let runCounter = 0;

export class Supervisor {
  #opts: Required<Omit<SupervisorOptions, "transport" | "tcpControl" | "tcpEvents" | "ipcDir">> &
    Pick<SupervisorOptions, "tcpControl" | "tcpEvents" | "ipcDir"> & { transport: Transport };
  #log: ConsolaInstance;
  #router: BusSocket;
  #pub: BusSocket;
  #runDir: string | undefined;
  #bindTemplate: string;
  #services = new Map<string, Service>();
  #pending = new Map<number, Pending>();
  #nextCid = 1;
  #eventHandlers = new Map<string, (from: string, payload: unknown) => void>();
  /**
   * whenRegistered() callers and start()/adopt() waiting for all: each returns true once settled.
   * (One slot for start() and adopt() lost start()'s when a node's services were adopted while
   * ours were still registering: start() then timed out with nothing missing.)
   */
  #registeredWaiters = new Set<() => boolean>();
  /**
   * Registrations of services not adopted yet: a worker node's services start as soon as that node
   * is ready and may register before adopt() is called for them (after every node is ready).
   */
  #early = new Map<string, { pid: number; loaded: string[] | undefined }>();
  #failure: BenchError | undefined;
  #onFailure: ((error: BenchError) => void)[] = [];
  #onLost: LostHandler | undefined;
  #watchdog: Timer | undefined;
  /** The control and events endpoints, once start() has bound them. */
  #endpoints: { control: string; events: string } | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: SupervisorOptions) {
    const transport = options.transport ?? (options.launcher.kind === "in-process" ? "inproc" : "ipc");
    if (options.launcher.kind === "in-process" && transport !== "inproc") throw new TypeError("In-process services need the inproc transport");
    this.#opts = {
      logLevel: "info",
      registrationTimeoutMs: 10_000,
      heartbeatMs: 1000,
      heartbeatTimeoutMs: 10_000,
      shutdownGraceMs: 2000,
      commandTimeoutMs: 30_000,
      ...options,
      transport,
    };
    this.#log = options.log;
    this.#router = createSocket("ROUTER", { name: "controller control", routerHandover: true, routerMandatory: true });
    this.#pub = createSocket("PUB", { name: "controller events" });
    const base = this.#endpointBase();
    this.#bindTemplate = transport === "tcp" ? "tcp://127.0.0.1:0" : `${base}{name}${transport === "ipc" ? ".ipc" : ""}`;
  }

  /**
   * Starts the services and resolves once every one started so far has registered. It may be
   * called again to start more (a run starts a collector once its probe has answered): the bus is
   * bound once, by the first call.
   */
  async start(requests: ServiceRequest[]): Promise<void> {
    this.#endpoints ??= this.#bind();
    const { control, events } = this.#endpoints;
    const specOf = (req: ServiceRequest): ServiceSpec => ({
      role: req.role,
      id: req.id,
      config: req.config ?? {},
      control,
      events,
      bindTemplate: this.#bindTemplate,
      logLevel: this.#opts.logLevel,
      heartbeatMs: this.#opts.heartbeatMs,
    });
    for (const req of requests) {
      const guests = (req.with ?? []).map(specOf);
      const handle = this.#opts.launcher.launch(specOf(req), this.#log, req.env, guests);
      // The host first: a process killed is reported under its own service's name.
      for (const spec of [req, ...guests]) {
        const service: Service = { name: serviceName(spec.role, spec.id), handle, registered: false, lastSeenMs: Date.now() };
        this.#services.set(service.name, service);
        handle.exited.then((info) => this.#exited(service, info));
      }
    }
    this.#watchdog ??= setInterval(() => this.#checkHeartbeats(), Math.min(this.#opts.heartbeatMs, 1000));
    await this.#waitForRegistration();
  }

  #bind(): { control: string; events: string } {
    const control = this.#router.bind(this.#address("control"));
    const events = this.#pub.bind(this.#address("events"));
    if (this.#opts.tcpControl !== undefined) this.#router.bind(this.#opts.tcpControl);
    if (this.#opts.tcpEvents !== undefined) this.#pub.bind(this.#opts.tcpEvents);
    this.#router.onMessage((msg) => this.#onMessage(msg));
    return { control, events };
  }

  /**
   * Resolves once the named service (started by start()) has registered, while start() may still be
   * waiting for the others, so it can be put to work at once; rejects if the start fails or it is lost.
   */
  whenRegistered(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const service = this.#services.get(name);
        const error = this.#failure ?? service?.lost;
        if (error !== undefined) reject(error);
        else if (service?.registered === true) resolve();
        else return false;
        this.#registeredWaiters.delete(check);
        return true;
      };
      if (!check()) this.#registeredWaiters.add(check);
    });
  }

  #wakeRegisteredWaiters(): void {
    for (const check of [...this.#registeredWaiters]) check();
  }

  /**
   * Takes in services started elsewhere (a worker node's): they register over the bus like ours;
   * `handle` stands for the process there. Resolves once all have registered.
   */
  adopt(services: { name: string; handle: ServiceHandle }[]): Promise<void> {
    for (const { name, handle } of services) {
      const service: Service = { name, handle, registered: false, lastSeenMs: Date.now() };
      const early = this.#early.get(name);
      if (early !== undefined) {
        this.#early.delete(name);
        service.registered = true;
        service.pid = early.pid;
        service.loaded = early.loaded;
        this.#log.debug(`${name} registered (pid ${early.pid}) before it was adopted`);
      }
      this.#services.set(name, service);
      handle.exited.then((info) => this.#exited(service, info));
    }
    return this.#waitForRegistration();
  }

  /**
   * Sends a named command to one service and resolves with its reply; the service's name picks its
   * role's contract (protocol/contracts/), which types the command, its payload and the reply.
   */
  command<N extends ServiceName, C extends CommandName<RoleOf<N>>>(name: N, command: C, ...args: CommandArgs<RoleOf<N>, C>): Promise<ReplyOf<RoleOf<N>, C>> {
    const [payload, timeoutMs = this.#opts.commandTimeoutMs] = args;
    return this.#command(name, command, payload, timeoutMs) as Promise<ReplyOf<RoleOf<N>, C>>;
  }

  #command(name: string, command: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    // A service the run goes on without answers nothing: fail at once rather than at the timeout.
    const lost = this.#services.get(name)?.lost;
    if (lost !== undefined) return Promise.reject(lost);
    const cid = this.#nextCid++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cid);
        reject(new BenchError("COMMAND_FAILED", `Command "${command}" to "${name}" got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(cid, { to: name, resolve, reject, timer });
      this.#sendTo(name, { type: "command", cid, name: command, payload }).catch((error: Error) => {
        clearTimeout(timer);
        this.#pending.delete(cid);
        reject(new BenchError("COMMAND_FAILED", `Cannot send "${command}" to "${name}": ${error.message}`, { cause: error }));
      });
    });
  }

  /** Publishes a named broadcast to every service (protocol/contracts/broadcasts.ts). */
  broadcast<B extends BroadcastName>(name: B, payload: Broadcasts[B]): void {
    this.#publish({ type: "broadcast", name, payload });
  }

  /** Handles events services emit with ctx.emit(name, payload), typed by the emitting role's contract. */
  on<E extends ServiceEventName>(event: E, handler: (from: string, payload: ServiceEvents[E]) => void): void {
    // Stored by name: the payload comes off the wire as its emitter's contract says it does.
    this.#eventHandlers.set(event, handler as (from: string, payload: unknown) => void);
  }

  /** Called once if a service dies or goes silent; shutdown has already begun by then. */
  onFailure(handler: (error: BenchError) => void): void {
    this.#onFailure.push(handler);
  }

  /**
   * Asked first when a service dies or goes silent: when it returns true the run goes on without
   * that service (its pending commands fail, later ones fail at once) and onFailure is not called.
   */
  onServiceLost(handler: LostHandler): void {
    this.#onLost = handler;
  }

  /** Pid, modules loaded and whether it has stopped, for each service. */
  /** How much longer the busiest service said it would be busy (heartbeat busyMs); 0 when none is. */
  busyRemainingMs(): number {
    const now = Date.now();
    let most = 0;
    for (const s of this.#services.values()) if (s.busyUntilMs !== undefined && s.exit === undefined) most = Math.max(most, s.busyUntilMs - now);
    return most;
  }

  /** How late each running service's heartbeats came (worst of the last ~5 s, ms past the interval), for the live dashboard. */
  heartbeatLateness(): { name: string; lateMs: number }[] {
    return [...this.#services.values()]
      .filter((s) => s.beatLateMs !== undefined && s.exit === undefined)
      .map((s) => ({ name: s.name, lateMs: s.beatLateMs as number }));
  }

  services(): { name: string; pid: number | undefined; loaded: string[]; stopped: boolean }[] {
    return [...this.#services.values()].map((s) => ({ name: s.name, pid: s.handle.pid ?? s.pid, loaded: s.loaded ?? [], stopped: s.exit !== undefined }));
  }

  /** Tells every service to stop, waits the grace period, kills the rest, and releases the bus. */
  shutdown(reason = "finished"): Promise<void> {
    this.#shutdown ??= this.#doShutdown(reason);
    return this.#shutdown;
  }

  async #doShutdown(reason: string): Promise<void> {
    clearInterval(this.#watchdog);
    const live = [...this.#services.values()].filter((s) => s.exit === undefined);
    // One that never registered holds no results and may not hear the shutdown yet: kill it now,
    // so an interrupt during start-up does not wait out the grace period.
    for (const s of live) if (!s.registered) s.handle.kill("SIGKILL");
    for (const s of live) this.#sendTo(s.name, { type: "shutdown", reason }).catch(() => {});
    this.#publish({ type: "shutdown", reason });
    const all = Promise.all(live.map((s) => s.handle.exited));
    let timer: Timer | undefined;
    const grace = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), this.#opts.shutdownGraceMs)));
    if ((await Promise.race([all, grace])) === "late") {
      const late = live.filter((s) => s.exit === undefined);
      this.#log.warn(`Killing ${late.length} service(s) that did not stop within ${this.#opts.shutdownGraceMs} ms: ${late.map((s) => s.name).join(", ")}`);
      for (const s of late) s.handle.kill("SIGKILL");
      await all;
    }
    clearTimeout(timer);
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#router.close();
    this.#pub.close();
    if (this.#runDir !== undefined) rmSync(this.#runDir, { recursive: true, force: true });
  }

  #endpointBase(): string {
    if (this.#opts.transport === "inproc") return `inproc://aiperf-${process.pid}-${++runCounter}/`;
    if (this.#opts.transport === "tcp") return "tcp://127.0.0.1:0";
    if (this.#opts.ipcDir !== undefined) return `ipc://${this.#opts.ipcDir}/`;
    // Named by our pid, so a later run can remove it if this process is SIGKILLed (run-dirs.ts).
    this.#runDir = makeRunDir("aiperf");
    return `ipc://${this.#runDir}/`;
  }

  #address(name: string): string {
    return this.#bindTemplate.replace("{name}", name);
  }

  async #sendTo(name: string, msg: ToService): Promise<void> {
    await this.#router.send([name, encodeControl(msg)]);
  }

  #publish(msg: ToService): void {
    if (!this.#pub.closed) this.#pub.trySend([topicOf(msg), encodeControl(msg)]);
  }

  #onMessage(msg: Message): void {
    const from = new TextDecoder().decode(msg[0]);
    const service = this.#services.get(from);
    const decoded = decodeControl(ToController, msg[1]);
    if (service === undefined && typeof decoded !== "string" && (decoded.type === "register" || this.#early.has(from))) {
      // Bounded: only peers past the bus's checks get here (TCP peers present the cluster token).
      if (decoded.type === "register" && this.#early.size < MAX_EARLY) this.#early.set(from, { pid: decoded.pid, loaded: decoded.loaded });
      return;
    }
    if (service === undefined || typeof decoded === "string") {
      // Any local peer can connect and pick its identity: its bytes are shown escaped, never raw.
      this.#log.warn(
        `Ignoring a control message from "${escapeControls(from, false)}": ${typeof decoded === "string" ? escapeControls(decoded, false) : "unknown service"}`,
      );
      return;
    }
    service.lastSeenMs = Date.now();
    switch (decoded.type) {
      case "register":
        service.registered = true;
        service.pid = decoded.pid;
        service.loaded = decoded.loaded;
        this.#log.debug(`${from} registered (pid ${decoded.pid})`);
        this.#wakeRegisteredWaiters();
        return;
      case "heartbeat":
        // A heartbeat later than its interval: the service's event loop (or its core) was held that long.
        // The worst of the last few seconds is kept, so a short stall stays on screen long enough
        // to be read. (Not across a stretch it announced as busy: that gap was expected.)
        if (service.lastBeatMs !== undefined && !((service.busyUntilMs ?? 0) > service.lastBeatMs)) {
          const late = Math.max(0, service.lastSeenMs - service.lastBeatMs - this.#opts.heartbeatMs);
          if (late >= (service.beatLateMs ?? 0) || service.lastSeenMs - (service.beatLateAtMs ?? 0) > LATE_WINDOW_MS) {
            service.beatLateMs = late;
            service.beatLateAtMs = service.lastSeenMs;
          }
        }
        service.lastBeatMs = service.lastSeenMs;
        if (decoded.busyMs !== undefined) {
          service.busyUntilMs = service.lastSeenMs + Math.min(Math.max(0, decoded.busyMs), MAX_BUSY_MS);
          this.#log.debug(`${from} is busy for up to ${decoded.busyMs} ms`);
        }
        return;
      case "reply": {
        const pending = this.#pending.get(decoded.cid);
        if (pending === undefined) return;
        this.#pending.delete(decoded.cid);
        clearTimeout(pending.timer);
        if (decoded.ok) pending.resolve(decoded.result);
        else pending.reject(new BenchError("COMMAND_FAILED", `Service "${from}" failed: ${decoded.error ?? "unknown error"}`));
        return;
      }
      case "event":
        this.#eventHandlers.get(decoded.name)?.(from, decoded.payload);
        return;
    }
  }

  #waitForRegistration(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.#failure !== undefined) return finish(this.#failure);
        return [...this.#services.values()].every((s) => s.registered) ? finish() : false;
      };
      const finish = (error?: Error): boolean => {
        clearTimeout(timer);
        this.#registeredWaiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
        return true;
      };
      const timer = setTimeout(() => {
        const missing = [...this.#services.values()].filter((s) => !s.registered).map((s) => s.name);
        const error = new BenchError(
          "SERVICE_START_TIMEOUT",
          `Services did not register within ${this.#opts.registrationTimeoutMs} ms: ${missing.join(", ")}`,
          { hint: "Check the log above for the failing service's own error" },
        );
        this.#fail(error);
        finish(error);
      }, this.#opts.registrationTimeoutMs);
      this.#registeredWaiters.add(check);
      this.#onFailure.push((error) => void finish(error));
      check();
    });
  }

  #exited(service: Service, info: ExitInfo): void {
    service.exit = info;
    if (this.#shutdown !== undefined || service.lost !== undefined) return;
    const how = info.signal !== null ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
    const pid = service.handle.pid ?? service.pid;
    this.#lose(
      service,
      new BenchError("SERVICE_DIED", info.reason ?? `Service "${service.name}"${pid === undefined ? "" : ` (pid ${pid})`} ${how} unexpectedly`),
    );
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    for (const s of this.#services.values()) {
      if (!s.registered || s.exit !== undefined || s.lost !== undefined || now - s.lastSeenMs <= this.#opts.heartbeatTimeoutMs) continue;
      if (s.busyUntilMs !== undefined && now <= s.busyUntilMs) continue;
      s.handle.kill("SIGKILL");
      const pid = s.handle.pid ?? s.pid;
      this.#lose(
        s,
        new BenchError(
          "SERVICE_DIED",
          `Service "${s.name}"${pid === undefined ? "" : ` (pid ${pid})`} sent no heartbeat for ${now - s.lastSeenMs} ms (frozen): killed it`,
        ),
      );
      if (this.#failure !== undefined) return;
    }
  }

  /** A service died or froze: the run goes on without it if the lost-handler says so, else it fails. */
  #lose(service: Service, error: BenchError): void {
    service.lost = error;
    this.#wakeRegisteredWaiters();
    if (this.#failure !== undefined || this.#onLost?.(service.name, error) !== true) return this.#fail(error);
    for (const [cid, p] of this.#pending) {
      if (p.to !== service.name) continue;
      clearTimeout(p.timer);
      this.#pending.delete(cid);
      p.reject(error);
    }
  }

  /** Records the first failure, fails every waiting command, and starts shutting down. */
  #fail(error: BenchError): void {
    if (this.#failure !== undefined || this.#shutdown !== undefined) return;
    this.#failure = error;
    this.#log.error(error.message);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.#pending.clear();
    this.#wakeRegisteredWaiters();
    void this.shutdown(`a service failed: ${error.message}`);
    for (const handler of this.#onFailure) handler(error);
  }
}
