/**
 * The contracts' names as values, for what cannot read types: the test that runs every role and
 * checks it answers each command its contract names (types cannot see a handler that is missing),
 * and the README's table. Checked against the contracts both ways at compile time.
 */
import type { CommandName, EventName, HeardBy, RoleName } from "./index.ts";

type Names<R extends RoleName> = { commands: readonly CommandName<R>[]; events: readonly EventName<R>[]; broadcasts: readonly HeardBy<R>[] };

export const CONTRACT_NAMES = {
  dataset: { commands: ["configure", "inputs"], events: [], broadcasts: [] },
  records: { commands: ["bind", "preload", "configure", "finalize"], events: ["records_progress", "records_live"], broadcasts: ["phase_start"] },
  "record-processor": { commands: ["bind", "preload", "configure", "stats"], events: [], broadcasts: [] },
  worker: { commands: ["configure", "stats"], events: [], broadcasts: ["cancel_requests", "node_clock"] },
  timing: { commands: ["bind", "run", "cancel", "in_flight", "credit_clock"], events: ["phase_start", "progress", "phase_complete"], broadcasts: [] },
  "gpu-telemetry": { commands: ["configure", "finalize"], events: ["gpu_live"], broadcasts: [] },
  "server-metrics": { commands: ["configure", "finalize"], events: ["server_metrics_live"], broadcasts: ["phase_start"] },
  "demo-hub": { commands: ["bind", "exchange"], events: [], broadcasts: [] },
  "demo-worker": { commands: ["connect", "stats"], events: [], broadcasts: [] },
} as const satisfies { [R in RoleName]: Names<R> };

type Listed<R extends RoleName, K extends keyof Names<R>> = (typeof CONTRACT_NAMES)[R][K][number];
type Unlisted = {
  [R in RoleName]: Exclude<CommandName<R>, Listed<R, "commands">> | Exclude<EventName<R>, Listed<R, "events">> | Exclude<HeardBy<R>, Listed<R, "broadcasts">>;
}[RoleName];
/** `true` only while CONTRACT_NAMES lists every command, event and broadcast of every contract. */
export type ContractNamesComplete = [Unlisted] extends [never] ? true : Unlisted;
