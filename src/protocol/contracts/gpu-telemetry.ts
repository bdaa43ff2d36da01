/** Role "gpu-telemetry": reads DCGM exporters or NVML during the run. */
import type * as v from "valibot";
import type { GpuFinalizeRequest, GpuFinalizeResult, GpuTelemetryConfig } from "../gpu-telemetry.ts";
import type { GpuLive } from "../live-stats.ts";
import type { Command, None } from "./contract.ts";

export type GpuTelemetryContract = {
  commands: {
    configure: Command<v.InferInput<typeof GpuTelemetryConfig>, Record<string, never>>;
    finalize: Command<v.InferInput<typeof GpuFinalizeRequest>, GpuFinalizeResult>;
  };
  events: { gpu_live: GpuLive };
  broadcasts: None;
};
