/**
 * `aiperf profile` as the controller runs it: start the services, configure them in dependency
 * order (dataset → records → record processors, if any → timing → workers), run the phases, finalize the
 * records and the collectors, and render their summaries once as the run report (export/run-report.ts).
 * Services only talk to each other over the bus; this file wires them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import type { ResolvedProfile } from "../config/resolve.ts";
import { BenchError } from "../core/errors.ts";
import { appendLogLine } from "../core/log.ts";
import type { TimingResult } from "../protocol/timing-plan.ts";
import type { ServiceName } from "../protocol/contracts/index.ts";
import { clientCheckInput } from "./client-check.ts";
import type { ClientCheckInput } from "../protocol/client-check.ts";
import { type Collectors, collectorServices, gpuTelemetryServices, startCollectors } from "./collectors.ts";
import { gpuTelemetryHasTarget } from "./gpu-probe.ts";
import { exportPlanOf } from "../config/export-options.ts";
import { exportFilePaths } from "../export/export-files.ts";
import { type RecordsSummary, reportedAvg, writeRunReport } from "../export/run-report.ts";
import { upstreamInputConfig } from "./input-config.ts";
import { inputConfigOf, runInfoOf } from "./run-config.ts";
import { checkScheduleTimestamps, timingPlanOf } from "./timing-plan.ts";
import { controlHooksOf, resetBeforeRun } from "./control-hooks.ts";
import {
  cancelRequestsBroadcast,
  datasetConfigureRequest,
  preloadRequest,
  processorConfigureRequest,
  recordsConfigureRequest,
  recordsFinalizeRequest,
  repliesConfig,
  workerConfigureRequest,
} from "./role-payloads.ts";
import type { ProgressUi } from "./progress.ts";
import type { ServiceRequest, Supervisor } from "./supervisor.ts";
import { creditQueueDepth, timingInWorker } from "./timing-host.ts";
import { createSentCounts, readProfilingSent } from "../protocol/sent-counts.ts";
import type { Cluster } from "./cluster/index.ts";
import { clusterServiceConfig } from "./cluster/service-config.ts";
import { allocatorEnv } from "../runtime/allocator-env.ts";
import { backgroundNiceEnv } from "../runtime/background-nice.ts";
import { jitEnv } from "../runtime/jit-env.ts";

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
  const timing: ServiceRequest = { role: "timing", id: "0", ...tcp("timing") };
  // In the only local worker's process (timing-host.ts), else a thread of this one (launchers.ts).
  const guest = timingInWorker(cfg);
  return [
    { role: "dataset", id: "0" },
    ...(guest ? [] : [timing]),
    { role: "records", id: "0", ...tcp("records"), env: recordsPathEnv() },
    ...Array.from({ length: local.recordProcessors }, (_, i) => ({ role: "record-processor", id: String(i), env: recordsPathEnv() })),
    ...Array.from({ length: local.workers }, (_, i) => ({
      role: "worker",
      id: String(i),
      env: { BUN_CONFIG_MAX_HTTP_REQUESTS: cap, ...allocatorEnv() },
      ...(guest && i === 0 ? { with: [timing] } : {}),
    })),
    ...collectorServices(cfg, gpu),
  ];
}

/** The records path's processes: freed pages kept, large functions out of the top JIT tier, a lower CPU priority. */
const recordsPathEnv = (): Record<string, string> => ({ ...allocatorEnv(), ...jitEnv(), ...backgroundNiceEnv() });

/**
 * With --worker-nodes the load comes from the nodes: no local workers unless --local-workers.
 * `inRecords`: local workers and no record-processor process (the default, --record-processors 0):
 * the records service parses the local workers' raw batches itself.
 */
function localFanOut(cfg: ResolvedProfile): { workers: number; recordProcessors: number; inRecords: boolean } {
  const none = cfg.workerNodes !== undefined && !cfg.localWorkers;
  const workers = none ? 0 : cfg.workers;
  const recordProcessors = none ? 0 : cfg.recordProcessors;
  return { workers, recordProcessors, inRecords: workers > 0 && recordProcessors === 0 };
}

/**
 * `columns`: the terminal width the console text is fitted to; absent when stdout is not a terminal.
 * `preflight`: the pre-flight check, when it runs while the services start (cli/profile.ts).
 */
type ProfileContext = {
  supervisor: Supervisor;
  log: ConsolaInstance;
  ui: ProgressUi;
  runDir: string;
  artifactDir: string;
  logFile: string;
  columns?: number;
  preflight?: Promise<void>;
};

/** What a run ends with: the report's console text and files, the counts that decide the exit code, and why it is incomplete (a service lost), if it is. */
export type ProfileResult = Pick<RecordsSummary, "validCount" | "errorCount" | "received" | "lost" | "runValidity"> & {
  consoleText: string;
  files: string[];
  timing: TimingResult | undefined;
  incomplete: string[];
};

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
  /** Timing keeps its sent counts here too: read when it died without a result (protocol/sent-counts.ts). */
  const sentCountsPath = join(ctx.runDir, "sent-counts.bin");
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
    // Timing first: its cancel leaves before the cut, so it is there before the credits the cut
    // frees come back (a freed slot refilled would be a credit that crosses the cut: a cancelled
    // record of a request never sent). The cut itself is not held back: a run still starting sends nothing.
    if (timingRunning) {
      void sup.command("timing:0", "cancel").then(
        ({ inFlight }) => ctx.log.info(`Stopping: cancelling ${inFlight} request(s) in flight, then writing the results`),
        () => {},
      );
    }
    sup.broadcast("cancel_requests", cancelRequestsBroadcast(["warmup", "profiling"], why));
    markStopped();
  };
  /** A promise awaited later: its rejection is not unhandled meanwhile. */
  const held = <T>(work: Promise<T>): Promise<T> => (work.catch(() => {}), work);
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
    // GPU telemetry with nothing to read is not started (gpu-probe.ts); the others do not wait for the probe.
    const probe = held(gpuTelemetryHasTarget(cfg));
    // Nodes may join while the services start and the dataset is built (cluster/index.ts).
    if (cfg.workerNodes !== undefined) cluster = new (await import("./cluster/index.ts")).Cluster(cfg, sup, ctx.log);
    // Each service is put to work as soon as it has registered (the dataset first: it is the longest
    // step); the run waits for all of them only before the services that talk to each other are wired.
    const startingMost = held(sup.start(profileServices(cfg, false)));
    // A failed pre-flight check ends the run here, before any service is configured.
    if (ctx.preflight !== undefined) await step(ctx.preflight);
    const gpu = await step(probe);
    if (!gpu && !cfg.noGpuTelemetry) ctx.log.debug("GPU telemetry not started: no NVML library and no DCGM exporter on the default ports");
    const starting = gpu ? held(Promise.all([startingMost, sup.start(gpuTelemetryServices())]).then(() => {})) : startingMost;
    const local = localFanOut(cfg);
    const workers: ServiceName<"worker">[] = Array.from({ length: local.workers }, (_, i) => `worker:${i}` as const);
    const processors: ServiceName<"record-processor">[] = Array.from({ length: local.recordProcessors }, (_, i) => `record-processor:${i}` as const);
    const paths = {
      datasetPath: join(ctx.runDir, "dataset.bin"),
      inputsJsonPath: join(ctx.artifactDir, "inputs.json"),
      artifactDir: ctx.artifactDir,
      logFile: ctx.logFile,
    };
    const { datasetPath } = paths;
    // Whoever parses replies (record processors, or records) loads the tokenizer while the dataset
    // service synthesises (not after it); configure below still waits for it, so the run starts with every tokenizer loaded.
    for (const p of [...processors, ...(local.inRecords ? (["records:0"] as const) : [])])
      void sup
        .whenRegistered(p)
        .then(() => sup.command(p, "preload", preloadRequest(cfg)))
        .catch(() => {});

    await step(sup.whenRegistered("dataset:0"));
    ctx.ui.event?.("stage", "Loading the dataset");
    const dataset = await step(sup.command("dataset:0", "configure", datasetConfigureRequest(cfg, paths), 600_000));
    if (dataset.error !== undefined) {
      throw new BenchError(
        "CONFIG_INVALID",
        dataset.errorSource === "tokenizer" ? `Invalid --tokenizer: ${dataset.error}` : `Invalid dataset: ${dataset.error}`,
        dataset.errorHint === undefined ? {} : { hint: dataset.errorHint },
      );
    }
    if (cfg.sequentialDataset && (cfg.requestCount ?? 0) > dataset.conversations)
      ctx.log.warn(`The trace has ${dataset.conversations} conversations; --request-count ${cfg.requestCount} replays it from the start again`);
    ctx.log.debug(`Dataset: ${dataset.conversations} conversations, ${dataset.turns} turns, tokenizer ${dataset.tokenizer}`);
    // inputs.json is written while the others are configured; the run waits for it before the first request.
    const inputsWritten = held(sup.command("dataset:0", "inputs", undefined, 600_000));
    const localProcessors = processors.length;
    if (cluster !== undefined) {
      ctx.ui.event?.("stage", "Waiting for worker nodes");
      await step(cluster.waitForNodes(datasetPath));
      workers.push(...cluster.workers());
      processors.push(...cluster.processors());
    }
    await step(starting);
    ctx.ui.event?.("stage", "Configuring services");
    // What does not depend on another answer is asked at once: the collectors, the records service,
    // the record processors' and the timing service's endpoints (each a round trip on a busy box).
    // (Each awaited through step() below; until then a failure is held, not unhandled.)
    const collectorsReady = held(startCollectors(cfg, sup, ctx.log, ctx.artifactDir, gpu).then((c) => (collectors = c)));
    const creditsBound = held(sup.command("timing:0", "bind"));
    const processorsBound = held(Promise.all(processors.map((p) => sup.command(p, "bind").then((r) => r.endpoint))));
    const { endpoint: recordsEndpoint, rawEndpoint } = await step(sup.command("records:0", "bind", local.inRecords ? { raw: true } : undefined));
    const replies = local.inRecords ? repliesConfig(cfg, exportPlan, datasetPath, dataset.tokenizer) : undefined;
    await step(sup.command("records:0", "configure", recordsConfigureRequest(cfg, exportPlan, paths, replies), 600_000));
    recordsReady = true;
    const processorEndpoints = await step(processorsBound);
    const processorEndpoint = new Map(processors.map((p, i) => [p, processorEndpoints[i] as string]));
    await step(
      Promise.all(
        processors.map((p) => {
          // A node's record processor sends to the records' TCP endpoint and reads the node's copy of the dataset.
          const place = cluster?.placeProcessor(p, { recordsEndpoint, datasetPath }) ?? { recordsEndpoint, datasetPath };
          return sup.command(p, "configure", processorConfigureRequest(cfg, exportPlan, place.recordsEndpoint, place.datasetPath, dataset.tokenizer), 600_000);
        }),
      ),
    );
    const credits = await step(creditsBound);
    // The worker that hosts timing reaches it in its own process (timing-host.ts).
    const creditsEndpoint = timingInWorker(cfg) ? (credits.local ?? credits.endpoint) : credits.endpoint;
    // Local workers push raw batches to the local record processors, or by default to the records service.
    const localRaw = local.inRecords && rawEndpoint !== undefined ? [rawEndpoint] : processorEndpoints.slice(0, localProcessors);
    const localPlace = { creditsEndpoint, processorEndpoints: localRaw, datasetPath };
    await step(
      Promise.all(
        workers.map((w) => {
          const place: typeof localPlace & { workerId?: string } = cluster?.placeWorker(w, localPlace, processorEndpoint) ?? localPlace;
          return sup.command(w, "configure", workerConfigureRequest(cfg, place.creditsEndpoint, place.processorEndpoints, place.datasetPath, place.workerId));
        }),
      ),
    );
    const started = await step(collectorsReady);
    await step(inputsWritten);
    ctx.ui.event?.("collectors", { serverMetrics: started.serverMetrics, gpu: started.gpu });

    // Bars: one per phase as it starts, then records, whose total is the profiling phase's.
    const stage = (phase: string): string => (phase === "warmup" ? "Warmup" : "Requests (Profiling)");
    sup.on("phase_start", (_from, start) => {
      if (start.phase === "profiling") {
        profilingStartWallNs = start.startWallNs;
        profilingTotal = start.total;
        profilingStarted = true;
      }
      // To the log file only: a console line would land among the progress bars being redrawn.
      appendLogLine(
        ctx.logFile,
        "controller",
        `Phase ${start.phase} started${start.total === undefined ? "" : `: ${start.total} requests`}${start.durationSec === undefined ? "" : `: ${start.durationSec} s`}`,
      );
      ctx.ui.update(stage(start.phase), 0, start.total);
      ctx.ui.event?.("phase_start", start);
      // The records service needs the profiling start for the duration window (§4.5).
      sup.broadcast("phase_start", start);
    });
    sup.on("progress", (_from, p) => {
      const { phase, sent, completed, total } = p;
      ctx.ui.update(stage(phase), completed, total ?? (sent || undefined));
      ctx.ui.event?.("progress", p);
    });
    sup.on("phase_complete", (_from, done) => {
      appendLogLine(ctx.logFile, "controller", `Phase ${done.phase} ended: ${done.sent} sent, ${done.completed} completed`);
      ctx.ui.update(stage(done.phase), done.completed, done.sent);
      ctx.ui.event?.("phase_complete", done);
      if (!done.timeoutTriggered) return;
      // The grace period is over: what is still in flight is cut and recorded as cancelled (upstream).
      ctx.log.info(`The ${done.phase} grace period ended with ${done.sent - done.completed} request(s) in flight: cancelling them`);
      sup.broadcast("cancel_requests", cancelRequestsBroadcast([done.phase], `the ${done.phase} grace period ended`));
    });
    sup.on("records_progress", (_from, p) => {
      if (!profilingStarted) return;
      const { processed, expected } = p;
      ctx.ui.update("Records (Processing)", processed, expected ?? profilingTotal);
      ctx.ui.event?.("records_progress", p);
    });
    sup.on("records_live", (_from, p) => ctx.ui.event?.("records_live", p));
    sup.on("server_metrics_live", (_from, p) => ctx.ui.event?.("server_metrics_live", p));
    sup.on("gpu_live", (_from, p) => ctx.ui.event?.("gpu_live", p));

    if (stopWhy !== undefined) return undefined;
    if (cfg.fixedSchedule) checkScheduleTimestamps(datasetPath, cfg.inputFile);
    if (cfg.fixedScheduleAuto) ctx.log.info("The mooncake trace has timestamps: replaying it on its fixed schedule (--no-fixed-schedule turns this off)");
    const hooks = controlHooksOf(cfg);
    if (hooks.reset !== undefined) await step(resetBeforeRun(hooks.reset, ctx.log));
    timingRunning = true;
    ctx.ui.event?.("stage", "Sending requests");
    createSentCounts(sentCountsPath);
    const plan = {
      ...timingPlanOf(cfg, workers, dataset, datasetPath),
      queuedCreditsPerSlot: creditQueueDepth(cfg, process.env.AIPERF_CREDIT_QUEUE_DEPTH, (m) => ctx.log.warn(m)),
      sentCountsPath,
      ...(hooks.profiler === undefined ? {} : { serverProfiler: hooks.profiler }),
    };
    const run = sup.command("timing:0", "run", plan, NO_TIMEOUT_MS);
    run.catch(() => {});
    // Once stopped, the timing service answers as soon as the cut requests come back; if it is
    // gone or stuck, the results are written without its counts.
    const late = stopped.then(() => Bun.sleep(TIMING_STOP_MS)).then(() => undefined);
    const timing = await Promise.race([run, late]).catch((error: Error) => (ctx.log.warn(`No timing result: ${error.message}`), undefined));
    timingRunning = false;
    if (timing?.controlError !== undefined)
      throw new BenchError("COMMAND_FAILED", timing.controlError, {
        hint: "check the server's profiler routes (vLLM needs --profiler-config), or leave --server-profiler out",
      });
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
    // Timing lost mid-run (with the only worker, whose process hosts it, or a crashed thread): the
    // count it kept in the shared file; unknown only if that cannot be read.
    const expected = timing === undefined ? (profilingStarted ? (readProfilingSent(sentCountsPath) ?? null) : 0) : (profiling?.sent ?? 0);
    const wasCancelled = timing?.cancelled === true || stopWhy !== undefined;
    let records: RecordsSummary | undefined;
    ctx.ui.event?.("stage", "Collecting the last records, writing results");
    const inputConfig = upstreamInputConfig(inputConfigOf(cfg), cfg.cliCommand);
    if (recordsReady && !recordsLost) {
      if (stopWhy !== undefined && (expected ?? 1) > 0) ctx.log.info(`Waiting for the records of the ${expected ?? "unknown number of"} request(s) sent`);
      // A record processor parsing a huge reply said how long it may take: wait for it as well.
      const end = { expected, inputConfig, idleMs: RECORDS_IDLE_MS + sup.busyRemainingMs(), incomplete, clientCheck, columns: ctx.columns };
      records = await sup.command("records:0", "finalize", recordsFinalizeRequest(end), NO_TIMEOUT_MS).catch((error: Error) => {
        // Lost while finalizing: the report still says why, without metrics.
        if (!incomplete.includes(error.message)) incomplete.push(error.message);
        return undefined;
      });
    }
    if (profilingStarted) ctx.ui.update("Records (Processing)", records === undefined ? 0 : records.validCount + records.errorCount, profilingTotal);
    const totals = { outputTokens: reportedAvg(records, "total_output_tokens"), requests: reportedAvg(records, "request_count") };
    const side = collectors === undefined ? {} : await collectors.finalize(window, totals);
    // The one report of the run, rendered once into the JSON, the CSV and the console text.
    const paths = exportFilePaths(ctx.artifactDir, exportPlan.files);
    const report = await writeRunReport({
      paths: { json: paths.json, csv: paths.csv, jsonl: paths.jsonl, log: ctx.logFile },
      endpointType: cfg.endpointType,
      cliCommand: cfg.cliCommand,
      wasCancelled,
      inputConfig,
      resolvedConfig: inputConfigOf(cfg),
      runInfo: runInfoOf(cfg, benchmarkId),
      startNs: window.startNs,
      endNs: window.endNs,
      ...(records === undefined ? { noRecords: { reasons: incomplete, expected, jsonlWritten: existsSync(paths.jsonl) } } : { records }),
      ...side,
      ...(cluster !== undefined && recordsReady ? { nodes: await cluster.summary() } : {}),
      ...(ctx.columns === undefined ? {} : { width: ctx.columns }),
    });
    ctx.ui.finish();
    const counts = { validCount: records?.validCount ?? 0, errorCount: records?.errorCount ?? 0, received: records?.received ?? 0, lost: records?.lost ?? 0 };
    return { ...report, ...counts, ...(records?.runValidity === undefined ? {} : { runValidity: records.runValidity }), timing, incomplete };
  }

  return { done, cancel: () => stop("the run was interrupted") };
}

// The CLI and the package API log the resolved config as the exports show it.
export { inputConfigOf } from "./run-config.ts";
