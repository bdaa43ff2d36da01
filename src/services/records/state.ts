/**
 * What the records service accumulates during a run, and the finalize step that turns it into
 * upstream's files and console report.
 */
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import * as v from "valibot";
import { CSV_FILE_NAME, formatRecordLine, JSON_FILE_NAME, JSONL_FILE_NAME, JsonlWriter, renderConsoleFooter, renderConsoleTables, writeCsvExport, writeJsonExport } from "../../export/index.ts";
import { clientCheckReport } from "../../export/client-check-export.ts";
import { ArrivalCollector } from "../../metrics/arrival-fidelity.ts";
import { TokenAccountingExport } from "../../export/token-accounting-export.ts";
import { createMetricContext, SummaryBuilder } from "../../metrics/index.ts";
import { producesTokens, tokenizesInput } from "../../protocol/endpoint-types.ts";
import { FinalizeRequest, type FinalizeResult, type RecordsConfig } from "../../protocol/records-config.ts";
import type { RequestRecord } from "../../records/record.ts";
import { ReplyAnomalies } from "./reply-anomalies.ts";


export type RecordsState = {
  add(record: RequestRecord): void;
  phaseStarted(phase: { phase: string; startNs: number }): void;
  progress(): { processed: number; expected?: number };
  finalize(payload: unknown): Promise<FinalizeResult>;
};

export function createRecordsState(cfg: RecordsConfig, log: ConsolaInstance): RecordsState {
  const context = createMetricContext({
    streaming: cfg.streaming,
    producesTokens: producesTokens(cfg.endpointType),
    tokenizesInput: tokenizesInput(cfg.endpointType),
    ...(cfg.goodput === null ? {} : { goodputSlos: cfg.goodput }),
  });
  const jsonlPath = join(cfg.artifactDir, JSONL_FILE_NAME);
  const jsonl = new JsonlWriter(jsonlPath);
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
  const tokenExport = new TokenAccountingExport({ peerTable: cfg.peerMetrics === true, producesTokens: producesTokens(cfg.endpointType), streaming: cfg.streaming });
  const anomalies = new ReplyAnomalies();
  const summarize = (record: RequestRecord): void => {
    anomalies.add(record);
    const metrics = (builder as SummaryBuilder).add(record);
    if (metrics !== null) tokenExport.add(record, metrics);
    if (metrics !== null) jsonl.write(formatRecordLine(record, metrics));
    if (metrics !== null) arrivals.add(record.startNs, record.intendedNs, record.turnIndex === 0, record.endNs, { readyNs: record.readyNs, ok: metrics.valid, num: record.sessionNum });
  };

  return {
    add(record) {
      if (record.phase !== "profiling") {
        warmupSeen++;
        return;
      }
      profilingSeen++;
      if (builder === undefined) waiting.push(record);
      else summarize(record);
      onArrival?.();
    },
    phaseStarted({ phase, startNs }) {
      if (phase !== "profiling" || builder !== undefined || cfg.duration === null) return;
      builder = new SummaryBuilder({ context, durationFilter: { phaseStartNs: startNs, durationSec: cfg.duration.durationSec, gracePeriodSec: cfg.duration.graceSec } });
      for (const r of waiting.splice(0)) summarize(r);
    },
    progress: () => ({ processed: profilingSeen, ...(expected === undefined ? {} : { expected }) }),
    async finalize(payload) {
      const req = v.parse(FinalizeRequest, payload);
      expected = req.expected;
      await waitFor(() => profilingSeen >= req.expected, req.waitMs, (wake) => (onArrival = wake));
      onArrival = undefined;
      if (profilingSeen < req.expected) log.warn(`Finalizing with ${profilingSeen} of ${req.expected} profiling records`);
      // A run cancelled before profiling started still reports (empty) results.
      builder ??= new SummaryBuilder({ context });
      for (const r of waiting.splice(0)) summarize(r);
      await jsonl.close();
      const summary = builder.summarize();
      log.debug(`Summarised ${summary.processed} valid and ${summary.errors} failed records (${summary.filtered} outside the duration window, ${warmupSeen} warmup)`);
      const jsonPath = join(cfg.artifactDir, JSON_FILE_NAME);
      const csvPath = join(cfg.artifactDir, CSV_FILE_NAME);
      // Piped (no terminal width): tables at full width as upstream prints them, messages at 100.
      const check = clientCheckReport(arrivals, req.clientCheck, req.columns ?? 100);
      const tokens = tokenExport.finish(summary.results, req.columns);
      for (const warning of anomalies.warnings()) log.warn(warning);
      await writeJsonExport(jsonPath, {
        results: summary.results,
        inputConfig: req.inputConfig,
        wasCancelled: req.wasCancelled,
        errorSummary: summary.errorSummary,
        startNs: req.phaseStartWallNs,
        endNs: req.phaseEndWallNs,
        blocks: { ...check.blocks, ...tokens.blocks, reply_anomalies: anomalies.block() },
      });
      await writeCsvExport(csvPath, summary.results);
      const report = {
        results: summary.results,
        errorSummary: summary.errorSummary,
        endpointType: cfg.endpointType,
        cliCommand: req.cliCommand,
        wasCancelled: req.wasCancelled,
        csvPath,
        jsonPath,
        logPath: cfg.logFile,
        ...(req.columns === undefined ? {} : { width: req.columns }),
      };
      const validity = check.runValidity === undefined ? {} : { runValidity: { valid: check.runValidity.valid, judged: check.runValidity.judged, reasons: check.runValidity.reasons } };
      return { consoleText: renderConsoleTables(report) + tokens.consoleText + check.consoleText, footerText: renderConsoleFooter(report), validCount: summary.processed, errorCount: summary.errors, files: [jsonPath, csvPath, jsonlPath], ...validity };
    },
  };
}

/**
 * Resolves when `done()` holds (re-checked on each wake) or after `idleMs` without a wake: records
 * still arriving mean the processors are working through a backlog, not that some were lost.
 */
function waitFor(done: () => boolean, idleMs: number, setWake: (wake: () => void) => void): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    let timer = setTimeout(resolve, idleMs);
    setWake(() => {
      clearTimeout(timer);
      if (done()) resolve();
      else timer = setTimeout(resolve, idleMs);
    });
  });
}
