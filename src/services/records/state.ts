/**
 * What the records service accumulates during a run, and the finalize step that summarises it
 * for the run report (export/run-report.ts), which the controller renders; the per-request files
 * (JSONL, raw, timeslices, outputs) are written here.
 */
import type { ConsolaInstance } from "consola";
import * as v from "valibot";
import { formatRecordLine, JsonlWriter } from "../../export/index.ts";
import { clientCheckReport } from "../../export/client-check-export.ts";
import { ArrivalCollector } from "../../metrics/arrival-fidelity.ts";
import { TokenAccountingExport } from "../../export/token-accounting-export.ts";
import { computeRecordMetrics, createMetricContext, type MetricContext, type RecordMetrics, SummaryBuilder } from "../../metrics/index.ts";
import { producesTokens, tokenizesInput } from "../../endpoints/capabilities.ts";
import { FinalizeRequest, type RecordsConfig } from "../../protocol/records-config.ts";
import type { RecordsSummary } from "../../export/run-report.ts";
import type { RequestRecord } from "../../records/record.ts";
import { ReplyAnomalies } from "./reply-anomalies.ts";
import { DEFAULT_EXPORT_FILES, exportFilePaths } from "../../export/export-files.ts";
import { type OutputEntry, outputEntry, rawRecordLine, writeOutputsJson } from "../../export/outputs-export.ts";
import { type Timeslice, timesliceIndex, writeTimesliceExports } from "../../export/timeslice-export.ts";

export type RecordsState = {
  add(record: RequestRecord): void;
  phaseStarted(phase: { phase: string; startNs: number }): void;
  progress(): { processed: number; expected?: number };
  finalize(payload: unknown): Promise<RecordsSummary>;
};

export function createRecordsState(cfg: RecordsConfig, log: ConsolaInstance): RecordsState {
  const context = createMetricContext({
    streaming: cfg.streaming,
    producesTokens: producesTokens(cfg.endpointType),
    tokenizesInput: tokenizesInput(cfg.endpointType),
    ...(cfg.goodput === null ? {} : { goodputSlos: cfg.goodput }),
  });
  const plan = cfg.exports ?? { files: DEFAULT_EXPORT_FILES, level: "records" as const, outputsJson: false, sliceDurationSec: null };
  const paths = exportFilePaths(cfg.artifactDir, plan.files);
  const jsonlPath = paths.jsonl;
  // --export-level summary writes no per-request file; raw adds the bodies' file.
  const jsonl = plan.level === "summary" ? undefined : new JsonlWriter(jsonlPath);
  const rawJsonl = plan.level === "raw" ? new JsonlWriter(paths.raw) : undefined;
  const streams = [jsonl, rawJsonl].filter((w): w is JsonlWriter => w !== undefined);
  // Created now and flushed every 250 ms, so a records service that dies leaves the file with all
  // but its last moments' lines.
  for (const w of streams) void w.flush().catch(() => {});
  const flusher = setInterval(() => {
    for (const w of streams) void w.flush().catch(() => {});
  }, JSONL_FLUSH_MS);
  flusher.unref();
  // Warmup requests get their own summary (warmup_metrics) and outputs.json entries.
  const warmupBuilder = new SummaryBuilder({ context });
  const outputs: OutputEntry[] = [];
  // --slice-duration: the profiling records are kept to be cut into windows at the end.
  const sliced: RequestRecord[] = [];
  let profilingStartNs: number | undefined;
  // In duration mode the window needs the profiling start; records that beat its broadcast wait.
  let builder: SummaryBuilder | undefined = cfg.duration === null ? new SummaryBuilder({ context }) : undefined;
  const waiting: RequestRecord[] = [];
  let profilingSeen = 0;
  let warmupSeen = 0;
  let expected: number | undefined;
  let onArrival: (() => void) | undefined;
  // Send and intended times of the summarised requests: arrival fidelity and the client verdict.
  const arrivals = new ArrivalCollector();

  // Tokenizer vs usage vs chunks, and peers' TPOT/ITL/throughput (token-accounting-export.ts).
  const tokenExport = new TokenAccountingExport({
    peerTable: cfg.peerMetrics === true,
    producesTokens: producesTokens(cfg.endpointType),
    streaming: cfg.streaming,
  });
  const anomalies = new ReplyAnomalies();
  const summarize = (record: RequestRecord): void => {
    anomalies.add(record);
    const metrics = (builder as SummaryBuilder).add(record);
    if (metrics !== null) tokenExport.add(record, metrics);
    if (metrics !== null) jsonl?.write(formatRecordLine(record, metrics));
    if (metrics !== null) perRequestFiles(record, metrics);
    if (metrics !== null && plan.sliceDurationSec !== null) sliced.push(record);
    if (metrics !== null)
      arrivals.add(record.startNs, record.intendedNs, record.turnIndex === 0, record.endNs, {
        readyNs: record.readyNs,
        ok: metrics.valid,
        num: record.sessionNum,
      });
  };

  const perRequestFiles = (record: RequestRecord, metrics: RecordMetrics): void => {
    rawJsonl?.write(rawRecordLine(record, metrics));
    if (plan.outputsJson) outputs.push(outputEntry(record, metrics));
  };

  return {
    add(record) {
      if (record.phase !== "profiling") {
        warmupSeen++;
        // SummaryBuilder.add skips warmup records; this builder holds warmup only, so it takes them as computed.
        const metrics = computeRecordMetrics(record, context);
        warmupBuilder.addComputed(metrics);
        perRequestFiles(record, metrics);
        return;
      }
      profilingSeen++;
      if (builder === undefined) waiting.push(record);
      else summarize(record);
      onArrival?.();
    },
    phaseStarted({ phase, startNs }) {
      if (phase === "profiling") profilingStartNs = startNs;
      if (phase !== "profiling" || builder !== undefined || cfg.duration === null) return;
      builder = new SummaryBuilder({
        context,
        durationFilter: { phaseStartNs: startNs, durationSec: cfg.duration.durationSec, gracePeriodSec: cfg.duration.graceSec },
      });
      for (const r of waiting.splice(0)) summarize(r);
    },
    progress: () => ({ processed: profilingSeen, ...(expected === undefined ? {} : { expected }) }),
    async finalize(payload) {
      const req = v.parse(FinalizeRequest, payload);
      if (req.expected !== null) expected = req.expected;
      const all = (): boolean => req.expected !== null && profilingSeen >= req.expected;
      const report = (): void =>
        log.info(
          `Waiting for records: ${profilingSeen}${req.expected === null ? "" : ` of ${req.expected}`} arrived (giving up after ${req.idleMs / 1000} s without one)`,
        );
      await whileArriving(all, req.idleMs, (wake) => (onArrival = wake), report);
      onArrival = undefined;
      clearInterval(flusher);
      const lost = req.expected === null ? 0 : Math.max(0, req.expected - profilingSeen);
      if (lost > 0) log.warn(`${lost} of ${req.expected} profiling records were lost: finalizing with the ${profilingSeen} that arrived`);
      const reasons = [...(req.incomplete ?? []), ...(lost > 0 ? [`${lost} of ${req.expected} records lost`] : [])];
      // A run cancelled before profiling started still reports (empty) results.
      builder ??= new SummaryBuilder({ context });
      for (const r of waiting.splice(0)) summarize(r);
      for (const w of streams) await w.close();
      const summary = builder.summarize();
      const warmup = warmupSeen > 0 ? warmupBuilder.summarize().results : [];
      log.debug(
        `Summarised ${summary.processed} valid and ${summary.errors} failed records (${summary.filtered} outside the duration window, ${warmupSeen} warmup)`,
      );
      // Piped (no terminal width): tables at full width as upstream prints them, messages at 100.
      const check = clientCheckReport(arrivals, req.clientCheck, req.columns ?? 100);
      const tokens = tokenExport.finish(summary.results, req.columns);
      for (const warning of anomalies.warnings()) log.warn(warning);
      const extraFiles: string[] = [];
      if (plan.sliceDurationSec !== null) {
        await writeTimesliceExports(
          paths.timeslicesJson,
          paths.timeslicesCsv,
          timeslices(sliced, plan.sliceDurationSec, profilingStartNs, context),
          req.inputConfig,
        );
        extraFiles.push(paths.timeslicesJson, paths.timeslicesCsv);
      }
      if (plan.outputsJson) {
        await writeOutputsJson(paths.outputs, outputs);
        extraFiles.push(paths.outputs);
      }
      const validity =
        check.runValidity === undefined
          ? {}
          : { runValidity: { valid: check.runValidity.valid, judged: check.runValidity.judged, reasons: check.runValidity.reasons } };
      return {
        results: summary.results,
        warmupResults: warmup,
        errorSummary: summary.errorSummary,
        blocks: { ...check.blocks, ...tokens.blocks, reply_anomalies: anomalies.block(), ...incompleteBlock(reasons, req.expected, profilingSeen, lost) },
        consoleText: tokens.consoleText + check.consoleText,
        incomplete: reasons,
        validCount: summary.processed,
        errorCount: summary.errors,
        files: [...(jsonl === undefined ? [] : [jsonlPath]), ...(rawJsonl === undefined ? [] : [paths.raw]), ...extraFiles],
        received: profilingSeen,
        lost,
        ...validity,
      };
    },
  };
}

/** How often the JSONL file gets what is buffered, and how often a long wait says so. */
const JSONL_FLUSH_MS = 250;
const WAIT_REPORT_MS = 2000;

/**
 * Resolves when `done()` holds (re-checked on each arrival) or when nothing arrived for `idleMs`:
 * a long backlog still being parsed keeps it waiting, a record processor that died ends it.
 */
function whileArriving(done: () => boolean, idleMs: number, setWake: (wake: () => void) => void, report: () => void): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    let lastMs = performance.now();
    const ticker = setInterval(
      () => {
        if (performance.now() - lastMs >= idleMs) finish();
        else report();
      },
      Math.min(idleMs, WAIT_REPORT_MS),
    );
    const finish = (): void => {
      clearInterval(ticker);
      resolve();
    };
    setWake(() => {
      lastMs = performance.now();
      if (done()) finish();
    });
  });
}

/**
 * The profiling records cut into windows of `sliceSec` from the profiling start (or the first
 * request's start when the start was not broadcast), each summarised on its own; windows without
 * a request are left out.
 */
function timeslices(records: readonly RequestRecord[], sliceSec: number, startNs: number | undefined, context: MetricContext): Timeslice[] {
  if (records.length === 0) return [];
  const origin = startNs ?? Math.min(...records.map((r) => r.startNs));
  const byIndex = new Map<number, RequestRecord[]>();
  for (const r of records) {
    const i = timesliceIndex(r.startNs - origin, sliceSec);
    const list = byIndex.get(i) ?? [];
    list.push(r);
    byIndex.set(i, list);
  }
  return [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, list]) => {
      const b = new SummaryBuilder({ context });
      for (const r of list) b.add(r);
      return { index, results: b.summarize().results };
    });
}

/** Our block beyond upstream: why the results are incomplete and how many records are missing. */
function incompleteBlock(reasons: string[], expected: number | null, received: number, lost: number): Record<string, unknown> {
  if (reasons.length === 0) return {};
  return { incomplete: { reasons, records_expected: expected, records_received: received, records_lost: lost } };
}
