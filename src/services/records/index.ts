/**
 * The records service: pulls parsed records from every record processor, summarises the profiling
 * phase (metrics, statistics, errors), streams profile_export.jsonl, and on "finalize" returns
 * its summary for the controller's run report (export/run-report.ts).
 */
import * as v from "valibot";
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import { setPluginMetricWarn } from "../../metrics/plugin-metrics.ts";
import { decodeRecordBatch, type RecordBatch } from "../../protocol/record-batch.ts";
import { RecordsConfig } from "../../protocol/records-config.ts";
import type { RequestRecord } from "../../records/record.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { LiveStats } from "./live.ts";
import { createRecordsState, type RecordsState } from "./state.ts";

markLoaded("role:records");

/** How often progress and the live view go to the controller (the bar; the dashboard: ≤ 4 Hz). */
const PROGRESS_MS = 250;

export async function run(ctx: ServiceContext<"records">): Promise<void> {
  let pull: BusSocket | undefined;
  let state: RecordsState | undefined;
  const early: RequestRecord[] = [];
  let lastProgress = 0;
  // The dashboard's live view (protocol/live-stats.ts); made at configure, when streaming is known.
  let live: LiveStats | undefined;
  // A plugin metric that throws is left out with a warning in this role's log (metrics/plugin-metrics.ts).
  setPluginMetricWarn((m) => ctx.log.warn(m));

  const onBatch = (msg: Message): void => {
    let batch: RecordBatch;
    try {
      batch = decodeRecordBatch(msg);
    } catch (error) {
      ctx.log.warn("dropping a record batch that does not decode:", error);
      return;
    }
    for (const record of batch.records) {
      if (state === undefined) early.push(record);
      else state.add(record);
      if (record.phase === "profiling") live?.add(record);
    }
    const now = performance.now();
    if (state !== undefined && now - lastProgress > PROGRESS_MS) {
      lastProgress = now;
      ctx.emit("records_progress", state.progress());
      if (live !== undefined) ctx.emit("records_live", live.snapshot());
    }
  };

  ctx.handle("bind", () => {
    pull = createSocket("PULL", { name: `${ctx.name} records`, receiveHighWaterMark: 10_000 });
    pull.onMessage(onBatch);
    const endpoint = pull.bind(ctx.bindAddress("records"));
    // Worker nodes' record processors send over TCP to the same socket (config.tcp, a dual bind).
    const tcp = (ctx.config as { tcp?: string } | undefined)?.tcp;
    if (tcp !== undefined) pull.bind(tcp);
    return { endpoint };
  });
  ctx.handle("configure", (payload) => {
    const cfg = v.parse(RecordsConfig, payload);
    state = createRecordsState(cfg, ctx.log);
    live = cfg.live === false ? undefined : new LiveStats(cfg.streaming);
    for (const r of early.splice(0)) {
      state.add(r);
      if (r.phase === "profiling") live?.add(r);
    }
    return {};
  });
  ctx.onBroadcast("phase_start", (payload) => state?.phaseStarted(payload));
  ctx.handle("finalize", async (payload) => {
    if (state === undefined) throw new Error("finalize before configure");
    return state.finalize(payload);
  });
  await untilStopped(ctx.signal);
  pull?.close();
}
