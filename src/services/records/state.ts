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
import { producesTokens, tokenizesInput } from "../../endpoints/capabilities.ts";
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
  // Created now and flushed every 250 ms, so a records service that dies leaves the file with all
  // but its last moments' lines.
  void jsonl.flush().catch(() => {});
  const flusher = setInterval(() => void jsonl.flush().catch(() => {}), JSONL_FLUSH_MS);
  flusher.unref();
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
      if (req.expected !== null) expected = req.expected;
      const all = (): boolean => req.expected !== null && profilingSeen >= req.expected;
      const report = (): void => log.info(`Waiting for records: ${profilingSeen}${req.expected === null ? "" : ` of ${req.expected}`} arrived (giving up after ${req.idleMs / 1000} s without one)`);
      await whileArriving(all, req.idleMs, (wake) => (onArrival = wake), report);
      onArrival = undefined;
      clearInterval(flusher);
      const lost = req.expected === null ? 0 : Math.max(0, req.expected - profilingSeen);
      if (lost > 0) log.warn(`${lost} of ${req.expected} profiling records were lost: finalizing with the ${profilingSeen} that arrived`);
      const reasons = [...(req.incomplete ?? []), ...(lost > 0 ? [`${lost} of ${req.expected} records lost`] : [])];
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
        blocks: { ...check.blocks, ...tokens.blocks, reply_anomalies: anomalies.block(), ...incompleteBlock(reasons, req.expected, profilingSeen, lost) },
      });
      await writeCsvExport(csvPath, summary.results);
      const shown = {
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
      const warning = reasons.length === 0 ? "" : `Results are incomplete: ${reasons.join("; ")}\n`;
      return {
        consoleText: renderConsoleTables(shown) + tokens.consoleText + check.consoleText,
        footerText: renderConsoleFooter(shown) + warning,
        validCount: summary.processed,
        errorCount: summary.errors,
        files: [jsonPath, csvPath, jsonlPath],
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
    const ticker = setInterval(() => {
      if (performance.now() - lastMs >= idleMs) finish();
      else report();
    }, Math.min(idleMs, WAIT_REPORT_MS));
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

/** Our block beyond upstream: why the results are incomplete and how many records are missing. */
function incompleteBlock(reasons: string[], expected: number | null, received: number, lost: number): Record<string, unknown> {
  if (reasons.length === 0) return {};
  return { incomplete: { reasons, records_expected: expected, records_received: received, records_lost: lost } };
}
