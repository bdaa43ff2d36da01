/** Role "worker": sends one HTTP request per credit and forwards the raw capture. */
import type * as v from "valibot";
import type { Broadcasts } from "./broadcasts.ts";
import type { Command, None } from "./contract.ts";
import type { WorkerConfig, WorkerConfigured, WorkerStats } from "../worker-config.ts";

export type WorkerContract = {
  commands: {
    configure: Command<v.InferInput<typeof WorkerConfig>, WorkerConfigured>;
    stats: Command<undefined, WorkerStats>;
  };
  events: None;
  broadcasts: Pick<Broadcasts, "cancel_requests" | "node_clock">;
};
