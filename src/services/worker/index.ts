/**
 * Role "worker": takes credits from the timing service, sends one HTTP request per credit at its
 * intended time, stamps headers and every body chunk, and forwards the raw capture to the record
 * processors. Commands: "configure" (WorkerConfig) → WorkerConfigured; "stats" → WorkerStats.
 */
import { correctClocks } from "../../core/clock.ts";
import { markLoaded } from "../../core/loaded.ts";
import { parseWorkerConfig, type WorkerConfigured, type WorkerStats } from "../../protocol/worker-config.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { WorkerEngine } from "./engine.ts";

markLoaded("role:worker");

const IDLE_STATS: WorkerStats = { credits: 0, completed: 0, inFlight: 0, transportErrors: 0, cancelled: 0, batches: 0 };

export async function run(ctx: ServiceContext<"worker">): Promise<void> {
  let engine: WorkerEngine | undefined;
  ctx.handle("configure", async (payload): Promise<WorkerConfigured> => {
    if (engine !== undefined) throw new Error(`${ctx.name} is already configured`);
    const config = parseWorkerConfig(payload);
    const created = new WorkerEngine(ctx.name, config, ctx.log);
    engine = created;
    try {
      await created.ready(config.processorEndpoints.length);
    } catch (error) {
      // Unreachable peers: leave the worker unconfigured so the controller may try again.
      engine = undefined;
      await created.stop();
      throw error;
    }
    ctx.log.debug(`Configured: ${created.urls.join(", ")}`);
    return { worker: ctx.name, urls: created.urls };
  });
  ctx.handle("stats", (): WorkerStats => engine?.stats() ?? IDLE_STATS);
  // The controller's word that a phase is over (grace period ended, interrupt, a service lost).
  ctx.onBroadcast("cancel_requests", ({ phases, message }) => {
    const cut = engine?.cancel(phases, message) ?? 0;
    if (cut > 0) ctx.log.debug(`Cancelled ${cut} request(s) in flight: ${message}`);
  });
  // A worker node's clocks drifted from the controller's: stamp with the newer offsets from now on.
  ctx.onBroadcast("node_clock", (clock) => {
    if (!ctx.id.startsWith(`${clock.node}.`)) return;
    correctClocks(clock.monoOffsetNs, clock.wallOffsetNs);
    ctx.log.debug(`Clock offsets to the controller now ${clock.wallOffsetNs} ns (wall), ${clock.monoOffsetNs} ns (monotonic)`);
  });
  await untilStopped(ctx.signal);
  await engine?.stop();
}
