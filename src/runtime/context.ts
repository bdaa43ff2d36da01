/** What a role receives: its config slice, a tagged logger, the control plane and a stop signal. */
import type { ConsolaInstance } from "consola";
import type { LogLevelName } from "../core/log.ts";
import type { Broadcasts, CommandName, EventName, EventOf, HeardBy, ReplyOf, RequestOf, RoleName } from "../protocol/contracts/index.ts";

/** Everything a service process needs to start, passed by the controller as one JSON argument. */
export type ServiceSpec = {
  role: string;
  id: string;
  /** The role's slice of the configuration; the role validates it. */
  config: unknown;
  /** Controller ROUTER and PUB endpoints. */
  control: string;
  events: string;
  /** Where roles bind their own sockets: "{name}" is replaced, e.g. ipc://<run dir>/{name}.ipc. */
  bindTemplate: string;
  logLevel: LogLevelName;
  heartbeatMs: number;
};

/**
 * What role `R` is given, typed by its contract (protocol/contracts/): it can only answer the
 * commands, emit the events and hear the broadcasts its contract names, with their payload types.
 */
export type ServiceContext<R extends RoleName> = Omit<WireContext, "handle" | "onBroadcast" | "emit"> & {
  /** Answers the controller's named command; the handler's (awaited) result is the reply. */
  handle<C extends CommandName<R>>(command: C, handler: (payload: RequestOf<R, C>) => ReplyOf<R, C> | Promise<ReplyOf<R, C>>): void;
  /** Calls `handler` for each named broadcast from the controller. */
  onBroadcast<B extends HeardBy<R>>(name: B, handler: (payload: Broadcasts[B]) => void): void;
  /** Tells the controller something (progress, results) without being asked. */
  emit<E extends EventName<R>>(name: E, payload: EventOf<R, E>): void;
};

export type CommandHandler = (payload: unknown) => unknown;

/** The context as the runtime builds it, for any role: names and payloads as they come off the wire. */
export type WireContext = {
  readonly role: string;
  readonly id: string;
  /** `role:id`, unique in a run: the service's bus identity and log tag. */
  readonly name: string;
  readonly config: unknown;
  readonly log: ConsolaInstance;
  /** Aborted when the controller says shut down. */
  readonly signal: AbortSignal;
  /** Answers the controller's named command; the handler's (awaited) result is the reply. */
  handle(command: string, handler: CommandHandler): void;
  /** Calls `handler` for each named broadcast from the controller. */
  onBroadcast(name: string, handler: (payload: unknown) => void): void;
  /** Tells the controller something (progress, results) without being asked. */
  emit(name: string, payload?: unknown): void;
  /** An endpoint this service may bind for a socket of its own. */
  bindAddress(socketName: string): string;
  /**
   * Tells the controller the service is about to block its event loop (no heartbeats) for up to
   * `ms` on known work, so it is not taken for dead; resolves once the notice is on the wire.
   * Absent where nothing watches heartbeats (tests' fake contexts).
   */
  busy?(ms: number): Promise<void>;
};

/** A role's one door. It resolves when the role is done; the service then idles until shutdown. */
export type Role<R extends RoleName> = { run(ctx: ServiceContext<R>): Promise<void> };

/**
 * A role as the runtime runs it, by a name read at run time. The wire is where compile-time types
 * end: the registry checks each role against its own contract, the runtime passes it a WireContext.
 */
export type AnyRole = { run(ctx: WireContext): Promise<void> };

/** Name of a service: unique per run, used as identity and log tag. */
export function serviceName(role: string, id: string): string {
  return `${role}:${id}`;
}

/** Roles that use what a plugin registers (endpoints, transports, dataset formats, metrics): they load the --plugin files. */
export const PLUGIN_ROLES: ReadonlySet<string> = new Set(["worker", "record-processor", "dataset", "records"]);
