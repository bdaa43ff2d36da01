/**
 * `aiperf profile` as the controller runs it: start the services, configure them in dependency
 * order (dataset → records → record processors → timing → workers), run the phases, finalize the
 * records, print the tables. Services only talk to each other over the bus; this file wires them.
 */
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import type { ResolvedProfile } from "../config/resolve.ts";
import { syntheticDatasetConfig } from "../config/synthetic-input.ts";
import { BenchError } from "../core/errors.ts";
import { appendLogLine } from "../core/log.ts";
import { REDACTED, redactHeaderPairs, redactUrl, redactUrlsDeep } from "../core/redact.ts";
import type { DatasetConfigured } from "../protocol/dataset-config.ts";
import { endpointPath } from "../endpoints/registry.ts";
import type { FinalizeResult } from "../protocol/records-config.ts";
import type { TimingPhaseResult, TimingPhaseStart, TimingProgress, TimingResult } from "../protocol/timing-plan.ts";
import { clientCheckInput } from "./client-check.ts";
import type { ClientCheckInput } from "../protocol/client-check.ts";
import type { CancelRequests } from "../protocol/pipeline.ts";
import { type Collectors, collectorServices, startCollectors } from "./collectors.ts";
import { writeFallbackExport } from "./fallback-export.ts";
import { gpuTelemetryHasTarget } from "./gpu-probe.ts";
import { exportPlanOf } from "../config/export-options.ts";
import { type RunInfo, singleRunInfo } from "../export/json-export.ts";
import { upstreamInputConfig } from "./input-config.ts";
import { checkScheduleTimestamps, timingPlanOf } from "./timing-plan.ts";
import { datasetOptionsOf, requestOptionsOf, tokenizerRevisionOf } from "./request-options.ts";
import type { ProgressUi } from "./progress.ts";
import type { ServiceRequest, Supervisor } from "./supervisor.ts";
import type { Cluster } from "./cluster/index.ts";
import { clusterServiceConfig } from "./cluster/service-config.ts";

/** The services of one profile run. */
export function profileServices(cfg: ResolvedProfile, gpu = !cfg.noGpuTelemetry): ServiceRequest[] {
  // Each worker may hold its share of the concurrency in flight; Bun's fetch queues past its cap,
  // which would add queueing to the measured latency (bun-runtime §2). The cap must be set at start.
  const perWorker = cfg.concurrency === undefined ? 65535 : Math.ceil(cfg.concurrency / cfg.workers);
  const cap = String(Math.min(65535, Math.max(256, perWorker * 2)));
  const local = localFanOut(cfg);
  const tcp = (role: "timing" | "records") => {
    const config = clusterServiceConfig(cfg, role);
    return config === undefined ? {} : { config };
  };
  return [
    { role: "dataset", id: "0" },
    { role: "timing", id: "0", ...tcp("timing") },
    { role: "records", id: "0", ...tcp("records") },
    ...Array.from({ length: local.recordProcessors }, (_, i) => ({ role: "record-processor", id: String(i) })),
    ...Array.from({ length: local.workers }, (_, i) => ({ role: "worker", id: String(i), env: { BUN_CONFIG_MAX_HTTP_REQUESTS: cap } })),
    ...collectorServices(cfg, gpu),
  ];
}

/** With --worker-nodes the load comes from the nodes: no local workers unless --local-workers. */
function localFanOut(cfg: ResolvedProfile): { workers: number; recordProcessors: number } {
  const none = cfg.workerNodes !== undefined && !cfg.localWorkers;
  return { workers: none ? 0 : cfg.workers, recordProcessors: none ? 0 : cfg.recordProcessors };
}

/** `columns`: the terminal width the console text is fitted to; absent when stdout is not a terminal. */
type ProfileContext = { supervisor: Supervisor; log: ConsolaInstance; ui: ProgressUi; runDir: string; artifactDir: string; logFile: string; columns?: number };

/** What a run ends with: the records' results, plus why it is incomplete (a service lost), if it is. */
export type ProfileResult = FinalizeResult & { timing: TimingResult | undefined; incomplete: string[] };

/**
 * A running profile; `cancel()` (an interrupt) stops it at whatever stage it is, cuts the requests
 * in flight (they become cancelled records) and still writes what was measured.
 */
type ProfileRun = { done: Promise<ProfileResult>; cancel(): void };

/** Services whose loss is only a warning: they observe the run, the results do not need them. */
const OPTIONAL_ROLES = new Set(["server-metrics", "gpu-telemetry"]);
/** The records service gives up on missing records after this long without one arriving. */
const RECORDS_IDLE_MS = 5_000;
/** After a stop, how long the timing service gets to return its result once the requests are cut. */
const TIMING_STOP_MS = 3_000;
/** Commands the run itself bounds (finalize waits on arrivals; a frozen service is caught by heartbeats). */
const NO_TIMEOUT_MS = 2_000_000_000;

const STOPPED = Symbol("stopped");

export function startProfile(cfg: ResolvedProfile, ctx: ProfileContext): ProfileRun {
  let timingRunning = false;
  let recordsReady = false;
  let recordsLost = false;
  let profilingStartWallNs: number | undefined;
  /** Why the run stops early ("interrupted", a service lost), once it does. */
  let stopWhy: string | undefined;
  const incomplete: string[] = [];
  let collectors: Collectors | undefined;
  let clientCheck: ClientCheckInput | undefined;
  let cluster: Cluster | undefined;
  let profilingTotal: number | undefined;
  let profilingStarted = false;
  const sup = ctx.supervisor;
  const exportPlan = exportPlanOf(cfg);
  const benchmarkId = crypto.randomUUID();
  let markStopped!: () => void;
  const stopped = new Promise<typeof STOPPED>((resolve) => (markStopped = () => resolve(STOPPED)));

  /** Stops issuing, cuts the requests in flight (each becomes a cancelled record) and ends the stage under way. */
  const stop = (why: string): void => {
    if (stopWhy !== undefined) return;
    stopWhy = why;
    ctx.ui.event?.("stopping", why);
    const cancel: CancelRequests = { phases: ["warmup", "profiling"], message: `Request was cancelled: ${why}` };
    sup.broadcast("cancel_requests", cancel);
    if (timingRunning) {
      void sup.command<{ inFlight: number }>("timing:0", "cancel").then(
        ({ inFlight }) => ctx.log.info(`Stopping: cancelling ${inFlight} request(s) in flight, then writing the results`),
        () => {},
      );
    }
    markStopped();
  };
  /** A set-up step, abandoned (the run goes straight to its results) when the run is stopped. */
  const step = async <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => {});
    const r = await Promise.race([work, stopped]);
    if (r === STOPPED) throw STOPPED;
    return r as T;
  };

  sup.onServiceLost((name, error) => {
    const role = name.slice(0, name.indexOf(":"));
    if (OPTIONAL_ROLES.has(role)) {
      ctx.log.warn(`${error.message}; the run goes on without ${role} (its exports will be missing)`);
      return true;
    }
    // During set-up nothing was measured yet: the run fails as before (exit 4, nothing written).
    if (!recordsReady) return false;
    ctx.log.error(`${error.message}: stopping the run; the results will hold what arrived, marked incomplete`);
    incomplete.push(error.message);
    if (name === "records:0") recordsLost = true;
    stop(`the run stopped early (service "${name}" was lost)`);
    return true;
  });

  const done = (async (): Promise<ProfileResult> => {
    let timing: TimingResult | undefined;
    try {
      timing = await setUpAndRun();
    } catch (error) {
      if (error !== STOPPED) throw error;
    }
    return finish(timing);
  })().finally(() => cluster?.close("the run is over"));
  // A failed run ends through the supervisor's failure, not `done`: the nodes are let go then too.
  sup.onFailure((error) => void cluster?.close(`the run failed: ${error.message}`));

  async function setUpAndRun(): Promise<TimingResult | undefined> {
    // GPU telemetry with nothing to read is not started (gpu-probe.ts).
    const gpu = await step(gpuTelemetryHasTarget(cfg));
    if (!gpu && !cfg.noGpuTelemetry) ctx.log.debug("GPU telemetry not started: no NVML library and no DCGM exporter on the default ports");
    // Nodes may join while the services start and the dataset is built (cluster/index.ts).
    if (cfg.workerNodes !== undefined) cluster = new (await import("./cluster/index.ts")).Cluster(cfg, sup, ctx.log);
    await step(sup.start(profileServices(cfg, gpu)));
    const local = localFanOut(cfg);
    const workers = Array.from({ length: local.workers }, (_, i) => `worker:${i}`);
    const processors = Array.from({ length: local.recordProcessors }, (_, i) => `record-processor:${i}`);
    const datasetPath = join(ctx.runDir, "dataset.bin");
    // Record processors load their tokenizer while the dataset service synthesises (not after it);
    // configure below still waits for it, so the run starts with every tokenizer loaded.
    for (const p of processors) void sup.command(p, "preload", { tokenizer: cfg.tokenizer ?? null, model: cfg.model[0], ...(tokenizerRevisionOf(cfg) === undefined ? {} : { revision: tokenizerRevisionOf(cfg) }) }).catch(() => {});

    ctx.ui.event?.("stage", "Loading the dataset");
    const dataset = await step(sup.command<DatasetConfigured>("dataset:0", "configure", {
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
      datasetPath,
      inputsJsonPath: join(ctx.artifactDir, "inputs.json"),
    }, 600_000));
    if (dataset.error !== undefined) {
      throw new BenchError("CONFIG_INVALID", dataset.errorSource === "tokenizer" ? `Invalid --tokenizer: ${dataset.error}` : `Invalid dataset: ${dataset.error}`, dataset.errorHint === undefined ? {} : { hint: dataset.errorHint });
    }
    if (cfg.sequentialDataset && (cfg.requestCount ?? 0) > dataset.conversations) ctx.log.warn(`The trace has ${dataset.conversations} conversations; --request-count ${cfg.requestCount} replays it from the start again`);
    ctx.log.debug(`Dataset: ${dataset.conversations} conversations, ${dataset.turns} turns, tokenizer ${dataset.tokenizer}`);
    const localProcessors = processors.length;
    if (cluster !== undefined) {
      ctx.ui.event?.("stage", "Waiting for worker nodes");
      await step(cluster.waitForNodes(datasetPath));
      workers.push(...cluster.workers());
      processors.push(...cluster.processors());
    }
    ctx.ui.event?.("stage", "Configuring services");
    collectors = await step(startCollectors(cfg, sup, ctx.log, ctx.artifactDir, gpu));
    ctx.ui.event?.("collectors", { serverMetrics: collectors.serverMetrics, gpu: collectors.gpu });

    const { endpoint: recordsEndpoint } = await step(sup.command<{ endpoint: string }>("records:0", "bind"));
    await step(sup.command("records:0", "configure", {
      artifactDir: ctx.artifactDir,
      endpointType: cfg.endpointType,
      streaming: cfg.streaming,
      goodput: cfg.goodput ?? null,
      peerMetrics: cfg.peerMetrics,
      exports: exportPlan,
      // JSON has no Infinity: a grace of inf travels as the largest number (the window never closes).
      duration: cfg.benchmarkDuration === undefined ? null : { durationSec: cfg.benchmarkDuration, graceSec: Number.isFinite(cfg.benchmarkGracePeriod) ? cfg.benchmarkGracePeriod : Number.MAX_VALUE },
      logFile: ctx.logFile,
    }));
    recordsReady = true;
    const processorEndpoints = await step(Promise.all(processors.map((p) => sup.command<{ endpoint: string }>(p, "bind").then((r) => r.endpoint))));
    const processorEndpoint = new Map(processors.map((p, i) => [p, processorEndpoints[i] as string]));
    await step(Promise.all(processors.map((p) => sup.command(p, "configure", { ...(cluster?.placeProcessor(p, { recordsEndpoint, datasetPath }) ?? { recordsEndpoint, datasetPath }), endpointType: cfg.endpointType, streaming: cfg.streaming, useServerTokenCount: cfg.useServerTokenCount, responseField: cfg.responseField, tokenizer: dataset.tokenizer, tokenizerRevision: tokenizerRevisionOf(cfg), model: cfg.model[0], captureText: exportPlan.outputsJson, captureRaw: exportPlan.level === "raw" }, 600_000))));
    const { endpoint: creditsEndpoint } = await step(sup.command<{ endpoint: string }>("timing:0", "bind"));
    const localPlace = { creditsEndpoint, processorEndpoints: processorEndpoints.slice(0, localProcessors), datasetPath };
    await step(Promise.all(workers.map((w) => sup.command(w, "configure", {
      ...(cluster?.placeWorker(w, localPlace, processorEndpoint) ?? localPlace),
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
      transport: cfg.transport === "raw" ? "raw" : "fetch",
    }))));

    // Bars: one per phase as it starts, then records, whose total is the profiling phase's.
    const stage = (phase: string): string => (phase === "warmup" ? "Warmup" : "Requests (Profiling)");
    sup.on("phase_start", (_from, p) => {
      const start = p as TimingPhaseStart;
      if (start.phase === "profiling") {
        profilingStartWallNs = start.startWallNs;
        profilingTotal = start.total;
        profilingStarted = true;
      }
      // To the log file only: a console line would land among the progress bars being redrawn.
      appendLogLine(ctx.logFile, "controller", `Phase ${start.phase} started${start.total === undefined ? "" : `: ${start.total} requests`}${start.durationSec === undefined ? "" : `: ${start.durationSec} s`}`);
      ctx.ui.update(stage(start.phase), 0, start.total);
      ctx.ui.event?.("phase_start", p);
      // The records service needs the profiling start for the duration window (§4.5).
      sup.broadcast("phase_start", p);
    });
    sup.on("progress", (_from, p) => {
      const { phase, sent, completed, total } = p as TimingProgress;
      ctx.ui.update(stage(phase), completed, total ?? (sent || undefined));
      ctx.ui.event?.("progress", p);
    });
    sup.on("phase_complete", (_from, p) => {
      const done = p as TimingPhaseResult;
      appendLogLine(ctx.logFile, "controller", `Phase ${done.phase} ended: ${done.sent} sent, ${done.completed} completed`);
      ctx.ui.update(stage(done.phase), done.completed, done.sent);
      ctx.ui.event?.("phase_complete", p);
      if (!done.timeoutTriggered) return;
      // The grace period is over: what is still in flight is cut and recorded as cancelled (upstream).
      ctx.log.info(`The ${done.phase} grace period ended with ${done.sent - done.completed} request(s) in flight: cancelling them`);
      const cancel: CancelRequests = { phases: [done.phase], message: `Request was cancelled: the ${done.phase} grace period ended` };
      sup.broadcast("cancel_requests", cancel);
    });
    sup.on("records_progress", (_from, p) => {
      if (!profilingStarted) return;
      const { processed, expected } = p as { processed: number; expected?: number };
      ctx.ui.update("Records (Processing)", processed, expected ?? profilingTotal);
      ctx.ui.event?.("records_progress", p);
    });
    sup.on("records_live", (_from, p) => ctx.ui.event?.("records_live", p));
    sup.on("server_metrics_live", (_from, p) => ctx.ui.event?.("server_metrics_live", p));
    sup.on("gpu_live", (_from, p) => ctx.ui.event?.("gpu_live", p));

    if (stopWhy !== undefined) return undefined;
    if (cfg.fixedSchedule) checkScheduleTimestamps(datasetPath, cfg.inputFile);
    if (cfg.fixedScheduleAuto) ctx.log.info("The mooncake trace has timestamps: replaying it on its fixed schedule (--no-fixed-schedule turns this off)");
    timingRunning = true;
    ctx.ui.event?.("stage", "Sending requests");
    const run = sup.command<TimingResult>("timing:0", "run", timingPlanOf(cfg, workers, dataset, datasetPath), NO_TIMEOUT_MS);
    run.catch(() => {});
    // Once stopped, the timing service answers as soon as the cut requests come back; if it is
    // gone or stuck, the results are written without its counts.
    const late = stopped.then(() => Bun.sleep(TIMING_STOP_MS)).then(() => undefined);
    const timing = await Promise.race([run, late]).catch((error: Error) => (ctx.log.warn(`No timing result: ${error.message}`), undefined));
    timingRunning = false;
    // Workers' event-loop lag, the arrival process and the bounds: the fidelity block and the verdict.
    clientCheck = await clientCheckInput(cfg, sup, workers);
    return timing;
  }

  async function finish(timing: TimingResult | undefined): Promise<ProfileResult> {
    const profiling = timing?.phases.find((p) => p.phase === "profiling");
    const window = {
      startNs: profiling?.startWallNs ?? profilingStartWallNs ?? null,
      endNs: profiling === undefined ? null : profiling.startWallNs + (profiling.endNs - profiling.startNs),
    };
    // Unknown when the timing service was lost mid-run (then no record count can be called lost).
    const expected = timing === undefined ? (profilingStarted ? null : 0) : (profiling?.sent ?? 0);
    const wasCancelled = timing?.cancelled === true || stopWhy !== undefined;
    let result: FinalizeResult | undefined;
    ctx.ui.event?.("stage", "Collecting the last records, writing results");
    if (recordsReady && !recordsLost) {
      if (stopWhy !== undefined && (expected ?? 1) > 0) ctx.log.info(`Waiting for the records of the ${expected ?? "unknown number of"} request(s) sent`);
      result = await sup.command<FinalizeResult>("records:0", "finalize", {
        expected,
        phaseStartWallNs: window.startNs,
        phaseEndWallNs: window.endNs,
        wasCancelled,
        cliCommand: cfg.cliCommand,
        inputConfig: upstreamInputConfig(inputConfigOf(cfg), cfg.cliCommand),
        resolvedConfig: inputConfigOf(cfg),
        runInfo: runInfoOf(cfg, benchmarkId),
        // A record processor parsing a huge reply said how long it may take: wait for it as well.
        idleMs: RECORDS_IDLE_MS + sup.busyRemainingMs(),
        incomplete,
        clientCheck,
        ...(ctx.columns === undefined ? {} : { columns: ctx.columns }),
      }, NO_TIMEOUT_MS).catch((error: Error) => {
        // Lost while finalizing: the fallback below still writes the JSON with the reason.
        if (!incomplete.includes(error.message)) incomplete.push(error.message);
        return undefined;
      });
    }
    if (result === undefined) {
      const fallback = await writeFallbackExport({ artifactDir: ctx.artifactDir, files: exportPlan.files, inputConfig: upstreamInputConfig(inputConfigOf(cfg), cfg.cliCommand), resolvedConfig: inputConfigOf(cfg), runInfo: runInfoOf(cfg, benchmarkId), wasCancelled, reasons: incomplete, expected, startNs: window.startNs, endNs: window.endNs });
      result = { ...fallback, validCount: 0, errorCount: 0, received: 0, lost: 0 };
    }
    if (cluster !== undefined && recordsReady) cluster.addToJson(join(ctx.artifactDir, exportPlan.files.json), await cluster.summary());
    if (profilingStarted) ctx.ui.update("Records (Processing)", result.validCount + result.errorCount, profilingTotal);
    const side = collectors === undefined ? { consoleText: "", files: [] } : await collectors.finalize(window);
    ctx.ui.finish();
    // The collectors' tables go between the metrics tables and the footer, as upstream prints them.
    return { ...result, consoleText: result.consoleText + side.consoleText + result.footerText, files: [...result.files, ...side.files], timing, incomplete };
  }

  return { done, cancel: () => stop("the run was interrupted") };
}

/** Upstream's run_info: a study's coordinates for a run it started (sweep, trial, SLA probe), else a single run's. */
function runInfoOf(cfg: ResolvedProfile, benchmarkId: string): RunInfo {
  if (cfg.studyRun === undefined) return singleRunInfo(benchmarkId, cfg.randomSeed ?? null, cfg.cliCommand);
  return { benchmark_id: benchmarkId, ...cfg.studyRun, cli_command: cfg.cliCommand };
}

/** The config as JSON exports show it (upstream `input_config`); credentials redacted. */
export function inputConfigOf(cfg: ResolvedProfile): Record<string, unknown> {
  // A study run's ids belong in run_info, not input_config (upstream keeps sweep data out of it).
  const { cliCommand, studyRun: _studyRun, ...rest } = cfg;
  // cliCommand is redacted where it is built; the key, credential headers and URL credentials here
  // (the URL lists may hold scheme-less "user:pw@host" values, so each is read as a URL).
  const credentials = {
    ...(rest.apiKey === undefined ? {} : { apiKey: REDACTED }),
    header: redactHeaderPairs(rest.header),
    urls: rest.urls.map(redactUrl),
    serverMetrics: rest.serverMetrics.map(redactUrl),
    gpuTelemetry: rest.gpuTelemetry.map(redactUrl),
  };
  return redactUrlsDeep({ ...rest, ...credentials, cli_command: cliCommand }) as Record<string, unknown>;
}
