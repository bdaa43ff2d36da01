/** Role "server-metrics": scrapes the servers' Prometheus /metrics during the run. */
import type { ServerMetricsLive } from "../live-stats.ts";
import type { ServerMetricsConfig, ServerMetricsFinalize, ServerMetricsResult } from "../server-metrics-config.ts";
import type { Broadcasts } from "./broadcasts.ts";
import type { Command } from "./contract.ts";

export type ServerMetricsContract = {
  commands: {
    configure: Command<ServerMetricsConfig, { endpoints: number }>;
    finalize: Command<ServerMetricsFinalize, ServerMetricsResult>;
  };
  events: { server_metrics_live: ServerMetricsLive };
  broadcasts: Pick<Broadcasts, "phase_start">;
};
