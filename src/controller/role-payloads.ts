/**
 * The payloads the controller sends the roles of a profile run, each built from the resolved
 * profile by one function and typed by the receiving role's contract (protocol/contracts/), so a
 * field the role does not take, or one it needs and is missing, fails to compile here. The timing
 * plan is built in timing-plan.ts, the collectors' in collectors.ts and gpu-telemetry.ts.
 * Keys keep the order the wire always had.
 */
import { startupCredits } from "../config/load-modes.ts";
import type { ExportPlan } from "../export/export-files.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import { syntheticDatasetConfig } from "../config/synthetic-input.ts";
import { endpointPath } from "../endpoints/registry.ts";
import type { Broadcasts, RequestOf } from "../protocol/contracts/index.ts";
import type { ClientCheckInput } from "../protocol/client-check.ts";
import type { Phase } from "../protocol/pipeline.ts";
import { datasetOptionsOf, requestOptionsOf, tokenizerRevisionOf } from "./request-options.ts";

/** Where a run keeps its files: dataset.bin in the run dir, inputs.json and the exports in the artifact dir. */
type RunPaths = { datasetPath: string; inputsJsonPath: string; artifactDir: string; logFile: string };

/** "preload" of whichever role parses replies (record processors, or records): the tokenizer inputs the dataset service gets. */
export function preloadRequest(cfg: ResolvedProfile): RequestOf<"record-processor", "preload"> {
  const revision = tokenizerRevisionOf(cfg);
  return { tokenizer: cfg.tokenizer ?? null, model: cfg.model[0], ...(revision === undefined ? {} : { revision }) };
}

export function datasetConfigureRequest(cfg: ResolvedProfile, paths: RunPaths): RequestOf<"dataset", "configure"> {
  return {
    model: cfg.model,
    endpointType: cfg.endpointType,
    streaming: cfg.streaming,
    extraInputs: cfg.extraInputs,
    useLegacyMaxTokens: cfg.useLegacyMaxTokens,
    isl: cfg.isl,
    islStddev: cfg.islStddev,
    osl: cfg.osl ?? null,
    oslStddev: cfg.oslStddev,
    conversationNum: cfg.conversationNum,
    randomSeed: cfg.randomSeed ?? null,
    tokenizer: cfg.tokenizer ?? null,
    inputFile: cfg.inputFile ?? null,
    datasetFormat: cfg.datasetFormat,
    blockSize: cfg.islBlockSize,
    turnMean: cfg.conversationTurnMean,
    turnStddev: cfg.conversationTurnStddev,
    turnDelayMean: cfg.conversationTurnDelayMean,
    turnDelayStddev: cfg.conversationTurnDelayStddev,
    turnDelayRatio: cfg.conversationTurnDelayRatio,
    synthetic: syntheticDatasetConfig(cfg),
    upstream: datasetOptionsOf(cfg),
    datasetPath: paths.datasetPath,
    inputsJsonPath: paths.inputsJsonPath,
  };
}

/** `replies`: present when the records service parses the workers' raw batches itself (no record processors). */
export function recordsConfigureRequest(
  cfg: ResolvedProfile,
  exportPlan: ExportPlan,
  paths: RunPaths,
  replies?: RequestOf<"records", "configure">["replies"],
): RequestOf<"records", "configure"> {
  return {
    artifactDir: paths.artifactDir,
    endpointType: cfg.endpointType,
    streaming: cfg.streaming,
    goodput: cfg.goodput ?? null,
    peerMetrics: cfg.peerMetrics,
    exports: exportPlan,
    // JSON has no Infinity: a grace of inf travels as the largest number (the window never closes).
    duration:
      cfg.benchmarkDuration === undefined
        ? null
        : { durationSec: cfg.benchmarkDuration, graceSec: Number.isFinite(cfg.benchmarkGracePeriod) ? cfg.benchmarkGracePeriod : Number.MAX_VALUE },
    logFile: paths.logFile,
    live: cfg.ui === "dashboard",
    liveStartupCredits: startupCredits(cfg),
    ...(replies === undefined ? {} : { replies }),
  };
}

/** `tokenizer`: the one the dataset service resolved (its "configure" reply). */
export function processorConfigureRequest(
  cfg: ResolvedProfile,
  exportPlan: ExportPlan,
  recordsEndpoint: string,
  datasetPath: string,
  tokenizer: string,
): RequestOf<"record-processor", "configure"> {
  return { recordsEndpoint, ...repliesConfig(cfg, exportPlan, datasetPath, tokenizer) };
}

/** How replies are parsed: the record processors' settings, or the records service's `replies` when it parses itself. */
export function repliesConfig(
  cfg: ResolvedProfile,
  exportPlan: ExportPlan,
  datasetPath: string,
  tokenizer: string,
): Omit<RequestOf<"record-processor", "configure">, "recordsEndpoint"> {
  return {
    datasetPath,
    endpointType: cfg.endpointType,
    streaming: cfg.streaming,
    useServerTokenCount: cfg.useServerTokenCount,
    responseField: cfg.responseField,
    tokenizer,
    tokenizerRevision: tokenizerRevisionOf(cfg),
    model: cfg.model[0],
    captureText: exportPlan.outputsJson,
    captureRaw: exportPlan.level === "raw",
  };
}

/** `workerId`: the records' worker_id when it is not the service name (a worker node's "node-1/worker-0"). */
export function workerConfigureRequest(
  cfg: ResolvedProfile,
  creditsEndpoint: string,
  processorEndpoints: string[],
  datasetPath: string,
  workerId?: string,
): RequestOf<"worker", "configure"> {
  return {
    creditsEndpoint,
    processorEndpoints,
    datasetPath,
    urls: cfg.urls,
    endpointPath: cfg.endpoint ?? endpointPath(cfg.endpointType, cfg.streaming),
    endpointType: cfg.endpointType,
    streaming: cfg.streaming,
    // raw_payload lines already hold each turn's whole history (upstream's message_array_with_responses).
    verbatimTurns: cfg.datasetFormat === "raw_payload",
    apiKey: cfg.apiKey,
    headers: cfg.header.map(([k, v]) => [k, String(v)]),
    requestTimeoutSeconds: cfg.requestTimeoutSeconds,
    maxResponseBytes: cfg.maxResponseBytes,
    ...requestOptionsOf(cfg),
    // Upstream's "http" is our fetch; any other name is a built-in or a plugin's transport.
    transport: cfg.transport === "http" ? "fetch" : cfg.transport,
    ...(workerId === undefined ? {} : { workerId }),
  };
}

/**
 * What the run knows as it ends. `expected`: profiling credits sent (null: unknown, the timing
 * service was lost); `columns`: the terminal's width. The run's window, ids and config are the
 * report's (export/run-report.ts), not the records service's.
 */
type RunEnd = {
  expected: number | null;
  inputConfig: RequestOf<"records", "finalize">["inputConfig"];
  idleMs: number;
  incomplete: string[];
  clientCheck: ClientCheckInput | undefined;
  columns: number | undefined;
};

export function recordsFinalizeRequest(end: RunEnd): RequestOf<"records", "finalize"> {
  return {
    expected: end.expected,
    inputConfig: end.inputConfig,
    idleMs: end.idleMs,
    incomplete: end.incomplete,
    clientCheck: end.clientCheck,
    ...(end.columns === undefined ? {} : { columns: end.columns }),
  };
}

/** The "cancel_requests" broadcast: cut what is in flight in these phases, recorded with this reason. */
export function cancelRequestsBroadcast(phases: Phase[], why: string): Broadcasts["cancel_requests"] {
  return { phases, message: `Request was cancelled: ${why}` };
}
