/**
 * The records service: gathers the run's records, summarises the profiling phase (metrics,
 * statistics, errors), streams profile_export.jsonl, and on "finalize" returns its summary for the
 * controller's run report (export/run-report.ts). By default it parses the workers' raw batches
 * itself (src/replies/, bound with "bind" { raw: true }); with --record-processors N the record
 * processors parse and push record batches here instead (and worker nodes' always do).
 */
import * as v from "valibot";
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import { setPluginMetricWarn } from "../../metrics/plugin-metrics.ts";
import { decodeRecordBatch, type RecordBatch } from "../../protocol/record-batch.ts";
import { RecordsConfig } from "../../protocol/records-config.ts";
import type { RequestRecord } from "../../records/record.ts";
import { type CounterResolver, tokenizerResolver } from "../../replies/counter.ts";
import { RawIntake } from "../../replies/intake.ts";
import { ReplyParser } from "../../replies/parser.ts";
import { TokenizerLoad } from "../../replies/tokenizer-load.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { LiveStats } from "./live.ts";
import { createRecordsState, type RecordsState } from "./state.ts";

markLoaded("role:records");

/** How often progress and the live view go to the controller (the bar; the dashboard: ≤ 4 Hz). */
const PROGRESS_MS = 250;

export function run(ctx: ServiceContext<"records">): Promise<void> {
  return runRecords(ctx, tokenizerResolver);
}

/** `resolve` finds the tokenizer when this service parses (tests give one that loads no vocabulary). */
export async function runRecords(ctx: ServiceContext<"records">, resolve: CounterResolver): Promise<void> {
  let pull: BusSocket | undefined;
  let rawPull: BusSocket | undefined;
  let intake: RawIntake | undefined;
  let state: RecordsState | undefined;
  const early: RequestRecord[] = [];
  let lastProgress = 0;
  // The dashboard's live view (protocol/live-stats.ts); made at configure, when streaming is known.
  let live: LiveStats | undefined;
  // A plugin metric that throws is left out with a warning in this role's log (metrics/plugin-metrics.ts).
  setPluginMetricWarn((m) => ctx.log.warn(m));

  const keep = (record: RequestRecord): void => {
    if (state === undefined) early.push(record);
    else state.add(record);
    if (record.phase === "profiling") live?.add(record);
  };
  /** Progress and the live view, at most every PROGRESS_MS, after a batch of records. */
  const report = (): void => {
    const now = performance.now();
    if (state !== undefined && now - lastProgress > PROGRESS_MS) {
      lastProgress = now;
      ctx.emit("records_progress", state.progress());
      if (live !== undefined) ctx.emit("records_live", live.snapshot());
    }
  };
  const onBatch = (msg: Message): void => {
    let batch: RecordBatch;
    try {
      batch = decodeRecordBatch(msg);
    } catch (error) {
      ctx.log.warn("dropping a record batch that does not decode:", error);
      return;
    }
    for (const record of batch.records) keep(record);
    report();
  };

  ctx.handle("bind", (payload) => {
    pull = createSocket("PULL", { name: `${ctx.name} records`, receiveHighWaterMark: 10_000 });
    pull.onMessage(onBatch);
    const endpoint = pull.bind(ctx.bindAddress("records"));
    // Worker nodes' record processors send over TCP to the same socket (config.tcp, a dual bind).
    const tcp = (ctx.config as { tcp?: string } | undefined)?.tcp;
    if (tcp !== undefined) pull.bind(tcp);
    if (payload?.raw !== true) return { endpoint };
    // Raw batches that arrive before "configure" wait in this socket (it is read from configure on).
    rawPull = createSocket("PULL", { name: `${ctx.name} raw` });
    return { endpoint, rawEndpoint: rawPull.bind(ctx.bindAddress("raw")) };
  });
  const tokenizer = new TokenizerLoad(resolve, ctx.log, ctx.busy);
  ctx.handle("preload", (payload) => tokenizer.preload(payload));
  ctx.handle("configure", async (payload) => {
    const cfg = v.parse(RecordsConfig, payload);
    if (cfg.replies !== undefined && rawPull === undefined) throw new Error(`${ctx.name}: configure with replies before bind { raw: true }`);
    // The tokenizer first: a failure leaves the service unconfigured, as the record processor's does.
    const counter = cfg.replies === undefined ? undefined : await tokenizer.counterFor(cfg.replies);
    state = createRecordsState(cfg, ctx.log);
    live = cfg.live === false ? undefined : new LiveStats(cfg.streaming, cfg.liveStartupCredits ?? 0);
    for (const r of early.splice(0)) {
      state.add(r);
      if (r.phase === "profiling") live?.add(r);
    }
    if (cfg.replies !== undefined && counter !== undefined && rawPull !== undefined) {
      const parser = new ReplyParser(ctx.name, cfg.replies, counter, ctx.log);
      intake = new RawIntake(ctx.name, rawPull, parser, { record: keep, settled: report }, (message, error) => ctx.log.warn(message, error), ctx.busy);
    }
    return {};
  });
  ctx.onBroadcast("phase_start", (payload) => state?.phaseStarted(payload));
  ctx.handle("finalize", async (payload) => {
    if (state === undefined) throw new Error("finalize before configure");
    return state.finalize(payload);
  });
  await untilStopped(ctx.signal);
  intake?.stop();
  rawPull?.close();
  pull?.close();
}
