/** Kept apart from the rest of cluster/ so a plain run's start-up loads none of it. */
import { clusterPorts, urlHost } from "../../cluster/ports.ts";
import type { ResolvedProfile } from "../../config/resolve.ts";

/** The dual-bind config of the timing and records services (profileServices): their TCP endpoint for worker nodes. */
export function clusterServiceConfig(cfg: ResolvedProfile, role: "timing" | "records"): { tcp: string } | undefined {
  if (cfg.workerNodes === undefined || cfg.zmqHost === undefined) return undefined;
  const ports = clusterPorts(cfg.zmqPort);
  return { tcp: `tcp://${urlHost(cfg.zmqHost)}:${role === "timing" ? ports.credits : ports.records}` };
}
