/**
 * Every role's contract, by role name: the one place the controller (Supervisor.command, .on,
 * .broadcast) and the services (ServiceContext.handle, .emit, .onBroadcast) take their command,
 * event and broadcast names and payload types from, so both sides are checked against the same
 * thing at compile time. The wire format is not touched (protocol/control.ts).
 */
import type { Broadcasts } from "./broadcasts.ts";
import type { Command, Contract } from "./contract.ts";
import type { DatasetContract } from "./dataset.ts";
import type { DemoHubContract, DemoWorkerContract } from "./demo.ts";
import type { GpuTelemetryContract } from "./gpu-telemetry.ts";
import type { RecordProcessorContract } from "./record-processor.ts";
import type { RecordsContract } from "./records.ts";
import type { ServerMetricsContract } from "./server-metrics.ts";
import type { TimingContract } from "./timing.ts";
import type { WorkerContract } from "./worker.ts";

export type { Broadcasts } from "./broadcasts.ts";
export type { RecordsProgress } from "./records.ts";

/** Fails to compile when a contract does not have the Contract shape. */
type Checked<T extends Record<string, Contract>> = T;

type Contracts = Checked<{
  dataset: DatasetContract;
  records: RecordsContract;
  "record-processor": RecordProcessorContract;
  worker: WorkerContract;
  timing: TimingContract;
  "gpu-telemetry": GpuTelemetryContract;
  "server-metrics": ServerMetricsContract;
  "demo-hub": DemoHubContract;
  "demo-worker": DemoWorkerContract;
}>;

export type RoleName = keyof Contracts;

/** A service's bus name, "role:id" (runtime/context.ts serviceName). */
export type ServiceName<R extends RoleName = RoleName> = `${R}:${string}`;
/** The role a service name names: "record-processor:0" → "record-processor". */
export type RoleOf<N extends ServiceName> = N extends `${infer R extends RoleName}:${string}` ? R : never;

type CommandsOf<R extends RoleName> = Contracts[R]["commands"];
export type CommandName<R extends RoleName> = keyof CommandsOf<R> & string;
export type RequestOf<R extends RoleName, C extends CommandName<R>> = CommandsOf<R>[C] extends Command<infer Req, unknown> ? Req : never;
export type ReplyOf<R extends RoleName, C extends CommandName<R>> = CommandsOf<R>[C] extends Command<unknown, infer Rep> ? Rep : never;
/** A command's arguments after its name: the request (optional when it has none), then a timeout. */
export type CommandArgs<R extends RoleName, C extends CommandName<R>> =
  undefined extends RequestOf<R, C> ? [payload?: RequestOf<R, C>, timeoutMs?: number] : [payload: RequestOf<R, C>, timeoutMs?: number];

export type EventName<R extends RoleName> = keyof Contracts[R]["events"] & string;
export type EventOf<R extends RoleName, E extends EventName<R>> = Contracts[R]["events"][E];

/** Every role's events by name, as the controller hears them (event names are unique across roles). */
export type ServiceEvents = {
  [E in { [R in RoleName]: EventName<R> }[RoleName]]: { [R in RoleName]: E extends EventName<R> ? EventOf<R, E> : never }[RoleName];
};
export type ServiceEventName = keyof ServiceEvents;

export type BroadcastName = keyof Broadcasts;
/** The broadcasts a role listens to. */
export type HeardBy<R extends RoleName> = keyof Contracts[R]["broadcasts"] & BroadcastName;
