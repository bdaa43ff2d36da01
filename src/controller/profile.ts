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
import { REDACTED, redactHeaderPairs } from "../core/redact.ts";
import type { DatasetConfigured } from "../protocol/dataset-config.ts";
import { endpointPath } from "../endpoints/registry.ts";
import type { FinalizeResult } from "../protocol/records-config.ts";
import type { TimingPhaseResult, TimingPhaseStart, TimingProgress, TimingResult } from "../protocol/timing-plan.ts";
import { clientCheckInput } from "./client-check.ts";
import { collectorServices, startCollectors } from "./collectors.ts";
import { checkScheduleTimestamps, timingPlanOf } from "./timing-plan.ts";
import type { ProgressUi } from "./progress.ts";
import type { ServiceRequest, Supervisor } from "./supervisor.ts";

/** The services of one profile run. */
export function profileServices(cfg: ResolvedProfile): ServiceRequest[] {
  // Each worker may hold its share of the concurrency in flight; Bun's fetch queues past its cap,
  // which would add queueing to the measured latency (bun-runtime §2). The cap must be set at start.
  const perWorker = cfg.concurrency === undefined ? 65535 : Math.ceil(cfg.concurrency / cfg.workers);
  const cap = String(Math.min(65535, Math.max(256, perWorker * 2)));
  return [
    { role: "dataset", id: "0" },
    { role: "timing", id: "0" },
    { role: "records", id: "0" },
    ...Array.from({ length: cfg.recordProcessors }, (_, i) => ({ role: "record-processor", id: String(i) })),
    ...Array.from({ length: cfg.workers }, (_, i) => ({ role: "worker", id: String(i), env: { BUN_CONFIG_MAX_HTTP_REQUESTS: cap } })),
    ...collectorServices(cfg),
  ];
}

export type ProfileContext = { supervisor: Supervisor; log: ConsolaInstance; ui: ProgressUi; runDir: string; artifactDir: string; logFile: string };

/** A running profile; `cancel()` stops issuing credits and still writes what was measured. */
export type ProfileRun = { done: Promise<FinalizeResult & { timing: TimingResult }>; cancel(): void };

export function startProfile(cfg: ResolvedProfile, ctx: ProfileContext): ProfileRun {
  let cancelled = false;
  let timingRunning = false;
  let profilingStartWallNs: number | undefined;
  const sup = ctx.supervisor;
  const done = (async () => {
    await sup.start(profileServices(cfg));
    const workers = Array.from({ length: cfg.workers }, (_, i) => `worker:${i}`);
    const processors = Array.from({ length: cfg.recordProcessors }, (_, i) => `record-processor:${i}`);
    const datasetPath = join(ctx.runDir, "dataset.bin");

    const dataset = await sup.command<DatasetConfigured>("dataset:0", "configure", {
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
      datasetPath,
      inputsJsonPath: join(ctx.artifactDir, "inputs.json"),
    }, 600_000);
    if (dataset.error !== undefined) {
      throw new BenchError("CONFIG_INVALID", dataset.errorSource === "tokenizer" ? `Invalid --tokenizer: ${dataset.error}` : `Invalid dataset: ${dataset.error}`, dataset.errorHint === undefined ? {} : { hint: dataset.errorHint });
    }
    if (cfg.sequentialDataset && (cfg.requestCount ?? 0) > dataset.conversations) ctx.log.warn(`The trace has ${dataset.conversations} conversations; --request-count ${cfg.requestCount} replays it from the start again`);
    ctx.log.debug(`Dataset: ${dataset.conversations} conversations, ${dataset.turns} turns, tokenizer ${dataset.tokenizer}`);
    const collectors = await startCollectors(cfg, sup, ctx.log, ctx.artifactDir);

    const { endpoint: recordsEndpoint } = await sup.command<{ endpoint: string }>("records:0", "bind");
    await sup.command("records:0", "configure", {
      artifactDir: ctx.artifactDir,
      endpointType: cfg.endpointType,
      streaming: cfg.streaming,
      goodput: cfg.goodput ?? null,
      peerMetrics: cfg.peerMetrics,
      // JSON has no Infinity: a grace of inf travels as the largest number (the window never closes).
      duration: cfg.benchmarkDuration === undefined ? null : { durationSec: cfg.benchmarkDuration, graceSec: Number.isFinite(cfg.benchmarkGracePeriod) ? cfg.benchmarkGracePeriod : Number.MAX_VALUE },
      logFile: ctx.logFile,
    });
    const processorEndpoints = await Promise.all(processors.map((p) => sup.command<{ endpoint: string }>(p, "bind").then((r) => r.endpoint)));
    await Promise.all(processors.map((p) => sup.command(p, "configure", { recordsEndpoint, datasetPath, endpointType: cfg.endpointType, streaming: cfg.streaming, useServerTokenCount: cfg.useServerTokenCount, responseField: cfg.responseField, tokenizer: dataset.tokenizer, model: cfg.model[0] }, 600_000)));
    const { endpoint: creditsEndpoint } = await sup.command<{ endpoint: string }>("timing:0", "bind");
    await Promise.all(workers.map((w) => sup.command(w, "configure", {
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
    })));

    // Bars: one per phase as it starts, then records, whose total is the profiling phase's.
    const stage = (phase: string): string => (phase === "warmup" ? "Warmup" : "Requests (Profiling)");
    let profilingTotal: number | undefined;
    let profilingStarted = false;
    sup.on("phase_start", (_from, p) => {
      const start = p as TimingPhaseStart;
      if (start.phase === "profiling") {
        profilingStartWallNs = start.startWallNs;
        profilingTotal = start.total;
        profilingStarted = true;
      }
      ctx.ui.update(stage(start.phase), 0, start.total);
      // The records service needs the profiling start for the duration window (§4.5).
      sup.broadcast("phase_start", p);
    });
    sup.on("progress", (_from, p) => {
      const { phase, sent, completed, total } = p as TimingProgress;
      ctx.ui.update(stage(phase), completed, total ?? (sent || undefined));
    });
    sup.on("phase_complete", (_from, p) => {
      const done = p as TimingPhaseResult;
      ctx.ui.update(stage(done.phase), done.completed, done.sent);
    });
    sup.on("records_progress", (_from, p) => {
      if (!profilingStarted) return;
      const { processed, expected } = p as { processed: number; expected?: number };
      ctx.ui.update("Records (Processing)", processed, expected ?? profilingTotal);
    });

    timingRunning = true;
    if (cancelled) void sup.command("timing:0", "cancel").catch(() => {});
    if (cfg.fixedSchedule) checkScheduleTimestamps(datasetPath, cfg.inputFile);
    if (cfg.fixedScheduleAuto) ctx.log.info("The mooncake trace has timestamps: replaying it on its fixed schedule (--no-fixed-schedule turns this off)");
    const timing = await sup.command<TimingResult>("timing:0", "run", timingPlanOf(cfg, workers, dataset, datasetPath), 2_000_000_000);
    timingRunning = false;
    // Workers' event-loop lag, the arrival process and the bounds: the fidelity block and the verdict.
    const clientCheck = await clientCheckInput(cfg, sup, workers);

    const profiling = timing.phases.find((p) => p.phase === "profiling");
    const window = {
      startNs: profiling?.startWallNs ?? profilingStartWallNs ?? null,
      endNs: profiling === undefined ? null : profiling.startWallNs + (profiling.endNs - profiling.startNs),
    };
    const result = await sup.command<FinalizeResult>("records:0", "finalize", {
      expected: profiling?.sent ?? 0,
      phaseStartWallNs: window.startNs,
      phaseEndWallNs: window.endNs,
      wasCancelled: timing.cancelled || cancelled,
      cliCommand: cfg.cliCommand,
      inputConfig: inputConfigOf(cfg),
      waitMs: 10_000,
      clientCheck,
    }, 120_000);
    if (profilingStarted) ctx.ui.update("Records (Processing)", result.validCount + result.errorCount, profilingTotal);
    const side = await collectors.finalize(window);
    ctx.ui.finish();
    // The collectors' tables go between the metrics tables and the footer, as upstream prints them.
    return { ...result, consoleText: result.consoleText + side.consoleText + result.footerText, files: [...result.files, ...side.files], timing };
  })();
  return {
    done,
    cancel() {
      cancelled = true;
      if (timingRunning) void sup.command("timing:0", "cancel").catch(() => {});
    },
  };
}

/** The config as JSON exports show it (upstream `input_config`). */
function inputConfigOf(cfg: ResolvedProfile): Record<string, unknown> {
  const { cliCommand, ...rest } = cfg;
  // cliCommand is redacted where it is built; the key and credential headers are redacted here.
  const credentials = { ...(rest.apiKey === undefined ? {} : { apiKey: REDACTED }), header: redactHeaderPairs(rest.header) };
  return { ...rest, ...credentials, cli_command: cliCommand };
}
