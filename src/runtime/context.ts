/** What a role receives: its config slice, a tagged logger, the control plane and a stop signal. */
import type { ConsolaInstance } from "consola";
import type { LogLevelName } from "../core/log.ts";

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

export type CommandHandler = (payload: unknown) => unknown;

export type ServiceContext = {
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
export type Role = { run(ctx: ServiceContext): Promise<void> };

/** Name of a service: unique per run, used as identity and log tag. */
export function serviceName(role: string, id: string): string {
  return `${role}:${id}`;
}
