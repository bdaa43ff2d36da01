/**
 * Runs one role: connects to the controller, registers, answers commands, sends heartbeats, and
 * stops on shutdown. The same code runs in a child process and, for tests, inside the controller's.
 */
import type { ConsolaInstance } from "consola";
import { createSocket, type Message } from "../bus/index.ts";
import { loadedParts } from "../core/loaded.ts";
import { createChildLogger } from "../core/child-log.ts";
import { type ToService, decodeControl, encodeControl, type ToController, ToService as ToServiceSchema } from "../protocol/control.ts";
import { type AnyRole, type CommandHandler, PLUGIN_ROLES, type ServiceSpec, serviceName, type WireContext } from "./context.ts";

/** Loads a role's code by name (services/registry.ts): the runtime sits below the roles and never names them. */
export type RoleLoader = (role: string) => Promise<AnyRole> | undefined;

export type RunServiceOptions = {
  /** Use this logger instead of JSON lines on stderr (in-process services). */
  log?: ConsolaInstance;
  /** Aborting it stops the service as a shutdown message would. */
  signal?: AbortSignal;
};

/**
 * A hosted service's whole life, in a child process or a thread of the controller: the
 * controller's --plugin files for the roles that look names up in a registry (imported only then:
 * the plugin host pulls in the registries, which a plain run's roles need not load), the role,
 * then exit 0, or 1 after `onFailed` if it failed. `guests` run beside it on the same event loop
 * (each with its own logger and the same stop signal); the process exits once all have ended, or
 * with 1 as soon as one fails (the controller then reports each of them lost).
 */
export async function runServiceToExit(
  spec: ServiceSpec,
  loadRole: RoleLoader,
  options: RunServiceOptions & { log: ConsolaInstance },
  onFailed?: (error: unknown) => void,
  guests: { spec: ServiceSpec; log: ConsolaInstance }[] = [],
): Promise<never> {
  const all = [{ spec, log: options.log }, ...guests];
  const runOne = async (one: { spec: ServiceSpec; log: ConsolaInstance }): Promise<void> => {
    try {
      await runService(one.spec, loadRole, { ...options, log: one.log });
    } catch (error) {
      one.log.error(error);
      onFailed?.(error);
      process.exit(1);
    }
  };
  try {
    if (all.some((s) => PLUGIN_ROLES.has(s.spec.role)) && (process.env.AIPERF_PLUGINS ?? "") !== "")
      await (await import("../plugins/load.ts")).loadPluginsFromEnv();
  } catch (error) {
    options.log.error(error);
    onFailed?.(error);
    process.exit(1);
  }
  await Promise.all(all.map(runOne));
  process.exit(0);
}

/** Runs the service until shutdown; rejects if the role fails. */
export async function runService(spec: ServiceSpec, loadRole: RoleLoader, options: RunServiceOptions = {}): Promise<void> {
  const name = serviceName(spec.role, spec.id);
  const log = options.log ?? createChildLogger(spec.logLevel, name);
  const loading = loadRole(spec.role);
  if (loading === undefined) throw new TypeError(`Unknown role "${spec.role}"`);
  const role = await loading;

  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  // Stopped while the role was loading (an in-process run failing at start-up): no event comes now.
  if (options.signal?.aborted === true) stop.abort();

  const control = createSocket("DEALER", { identity: name, name: `${name} control` });
  const events = createSocket("SUB", { name: `${name} events` });
  const send = (msg: ToController): void => void control.send(encodeControl(msg)).catch(() => {});
  const handlers = new Map<string, CommandHandler>();
  const broadcastHandlers = new Map<string, (payload: unknown) => void>();

  const dispatch = (frame: Uint8Array | undefined): void => {
    const msg = decodeControl(ToServiceSchema, frame);
    if (typeof msg === "string") return log.warn(`Ignoring a control message: ${msg}`);
    onControl(msg);
  };
  const onControl = (msg: ToService): void => {
    switch (msg.type) {
      case "shutdown":
        log.debug(`Shutting down: ${msg.reason}`);
        stop.abort();
        return;
      case "broadcast":
        broadcastHandlers.get(msg.name)?.(msg.payload);
        return;
      case "command":
        void answer(msg.cid, msg.name, msg.payload);
        return;
    }
  };
  const answer = async (cid: number, command: string, payload: unknown): Promise<void> => {
    const handler = handlers.get(command);
    if (handler === undefined) return send({ type: "reply", cid, ok: false, error: `${name} has no command "${command}"` });
    try {
      send({ type: "reply", cid, ok: true, result: await handler(payload) });
    } catch (error) {
      log.error(`Command "${command}" failed:`, error);
      send({ type: "reply", cid, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  };

  control.onMessage((msg: Message) => dispatch(msg[0]));
  events.onMessage((msg: Message) => dispatch(msg[1]));
  control.connect(spec.control);
  events.connect(spec.events);
  events.subscribe("");

  const ctx: WireContext = {
    role: spec.role,
    id: spec.id,
    name,
    config: spec.config,
    log,
    signal: stop.signal,
    handle: (command, handler) => void handlers.set(command, handler),
    onBroadcast: (event, handler) => void broadcastHandlers.set(event, handler),
    emit: (event, payload) => send({ type: "event", id: name, name: event, payload }),
    bindAddress: (socketName) => spec.bindTemplate.replace("{name}", `${spec.role}-${spec.id}-${socketName}`),
    busy: async (ms) => {
      await control.send(encodeControl({ type: "heartbeat", id: name, busyMs: ms })).catch(() => {});
      // The bus writes once per event-loop turn (setImmediate): let that turn happen before blocking.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    },
  };

  // The role registers its handlers before its first await, so they exist before we register.
  const running = role.run(ctx);
  send({ type: "register", role: spec.role, id: spec.id, pid: process.pid, loaded: loadedParts() });
  const heartbeat = setInterval(() => control.trySend(encodeControl({ type: "heartbeat", id: name })), spec.heartbeatMs);
  try {
    await Promise.race([running.then(() => stopped), stopped]);
  } finally {
    clearInterval(heartbeat);
    stop.abort();
    control.close();
    events.close();
  }
}
