/** The records service's "configure" and "finalize" payloads ("finalize" answers export/run-report.ts RecordsSummary). */
import * as v from "valibot";
import { ClientCheckInput } from "./client-check.ts";
import { EXPORT_LEVELS } from "./export-plan.ts";
import { ReplyConfig } from "./record-processor-config.ts";

export const RecordsConfig = v.object({
  artifactDir: v.string(),
  endpointType: v.pipe(v.string(), v.minLength(1)),
  streaming: v.boolean(),
  /** --goodput SLOs in display units, or null. */
  goodput: v.nullable(v.record(v.string(), v.number())),
  /** Duration mode: the window records must end in (§4.5); null in count mode. */
  duration: v.nullable(v.object({ durationSec: v.number(), graceSec: v.number() })),
  logFile: v.string(),
  /** Whether to emit "records_live" (only the dashboard shows it; its percentiles sort four rings 4 times a second). Absent: yes. */
  live: v.optional(v.boolean()),
  /** Closed loop: the live send lag leaves out credits numbered below this (the start-up fill), as the verdict does. */
  liveStartupCredits: v.optional(v.number()),
  /** --peer-metrics: print the peer-definitions table (the JSON block is always written). */
  peerMetrics: v.optional(v.boolean()),
  /** Which export files, under which names (export/export-files.ts); absent: upstream's defaults. */
  exports: v.optional(
    v.object({
      files: v.object({
        json: v.string(),
        csv: v.string(),
        jsonl: v.string(),
        raw: v.string(),
        timeslicesJson: v.string(),
        timeslicesCsv: v.string(),
        outputs: v.string(),
        gpuTelemetry: v.string(),
      }),
      level: v.picklist(EXPORT_LEVELS),
      outputsJson: v.boolean(),
      sliceDurationSec: v.nullable(v.pipe(v.number(), v.gtValue(0))),
    }),
  ),
  /** Present when this service parses the workers' raw batches itself (no record-processor process): how. */
  replies: v.optional(ReplyConfig),
});
export type RecordsConfig = v.InferOutput<typeof RecordsConfig>;

export const FinalizeRequest = v.object({
  /**
   * Profiling credits sent: finalize waits until this many records arrived, or until none arrived
   * for idleMs (then the rest are lost). Null when unknown (the timing service was lost).
   */
  expected: v.nullable(v.number()),
  /** input_config in upstream's shape (controller/input-config.ts), for the timeslice exports. */
  inputConfig: v.record(v.string(), v.unknown()),
  /** No total timeout: records still arriving keep the wait going; this long without one ends it. */
  idleMs: v.number(),
  /** Why the run is incomplete (a service died or froze); written to the exports. */
  incomplete: v.optional(v.array(v.string())),
  /** Arrival process, verdict bounds and workers' loop lag (client-check.ts); absent = no fidelity block or verdict. */
  clientCheck: v.optional(ClientCheckInput),
  /** The controller's terminal width: tables and messages are fitted to it (absent: 100). */
  columns: v.optional(v.pipe(v.number(), v.integer(), v.minValue(20))),
});
export type FinalizeRequest = v.InferOutput<typeof FinalizeRequest>;
