/**
 * `profile(options)`: the `aiperf profile` run from code. Same schema, rules, roles and files as
 * the CLI; the roles run as tasks in this process over inproc:// (or as child processes with
 * `processes: true`), and the run resolves to what profile_export_aiperf.json holds.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { setBusLogger } from "../bus/index.ts";
import { checkBounds, readHost } from "../config/bounds.ts";
import { parseProfileConfig } from "../config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { checkGoodput } from "../controller/goodput-check.ts";
import { checkNvmlOverride } from "../controller/gpu-telemetry.ts";
import { inProcessLauncher, profileLauncher } from "../controller/launchers.ts";
import { failureOf, runFailure } from "../controller/outcome.ts";
import { preflight } from "../controller/preflight.ts";
import { inputConfigOf, type ProfileResult, startProfile } from "../controller/profile.ts";
import { createProgressUi, type ProgressUi } from "../controller/progress.ts";
import { Supervisor } from "../controller/supervisor.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { appendLogLine, createControllerLogger } from "../core/log.ts";
import { REDACTED, redactHeaderPairs, redactUrlsDeep } from "../core/redact.ts";
import { makeRunDir } from "../core/run-dirs.ts";
import { displayText } from "../core/safe-text.ts";
import { VERSION } from "../core/version.ts";
import { exportPlanOf } from "../config/export-options.ts";
import type { JSON_METRIC_ORDER } from "../export/json-export.ts";
import type { RecordLine } from "../export/jsonl-export.ts";
import { setAsidePreviousRun } from "../export/previous-run.ts";
import { asOptionError, type ProfileOptions, type ProfileProgress, type RunControls, splitOptions } from "./options.ts";
import { tailRecords } from "./record-tail.ts";

/** One metric as the JSON file holds it, in display units (`unit` says which). */
export type MetricStats = {
  unit: string;
  avg?: number;
  min?: number;
  max?: number;
  std?: number;
  p1?: number;
  p5?: number;
  p10?: number;
  p25?: number;
  p50?: number;
  p75?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  count?: number;
  sum?: number;
};

/** How the run ended, as the CLI's exit code would say it (README: exit codes). */
export type RunOutcome = {
  /** True when the CLI would exit 0. */
  ok: boolean;
  exitCode: number;
  /** Why it is not ok (every request failed, records lost, a threshold, cancelled). */
  message: string | undefined;
  cancelled: boolean;
};

/** A metric tag upstream declares (others, e.g. ours, are there too under their own tags). */
export type MetricTag = (typeof JSON_METRIC_ORDER)[number];

/**
 * profile_export_aiperf.json as an object (`report.time_to_first_token?.p99`), plus what only a
 * caller in code gets: `outcome`, `records` (with `records: true`), `artifactDir` (when given)
 * and the console tables as text.
 */
export type ProfileReport = { [key: string]: unknown } & Partial<Record<MetricTag, MetricStats>> & {
    was_cancelled: boolean;
    error_summary: { error_details: { code: number | null; type: string | null; message: string }; count: number }[];
    outcome: RunOutcome;
    consoleText: string;
    records?: RecordLine[];
    artifactDir?: string;
  };

/** Bun's fetch keeps at most this many requests in flight per process (bun-runtime §2). */
const IN_PROCESS_FETCH_CAP = 256;

export async function profile(options: ProfileOptions): Promise<ProfileReport> {
  const { input, controls } = splitOptions(options);
  const signal = controls.signal;
  if (signal?.aborted) throw new BenchError("INTERRUPTED", "profile() was aborted before it started: nothing was run");
  // A plugin would register into this process's registries, shared by every later call and test.
  if (input.plugin !== undefined)
    throw new BenchError("CONFIG_INVALID", "profile(): the plugin option is not supported from code", {
      hint: "run the aiperf binary with --plugin FILE (docs/plugins.md)",
    });
  const warnings: string[] = [];
  const cfg = prepare(input, controls, warnings);
  const runDir = makeRunDir("aiperf-run");
  try {
    // Without artifactDir the files live in the run's temp dir and go with it.
    const artifactDir = cfg.artifactDir === undefined ? join(runDir, "artifacts") : resolve(cfg.artifactDir);
    if (cfg.artifactDir !== undefined) setAsidePreviousRun(artifactDir);
    mkdirSync(join(artifactDir, "logs"), { recursive: true });
    const logFile = join(artifactDir, "logs", "aiperf.log");
    const log = createControllerLogger(cfg.logLevel, logFile, { console: controls.console === true });
    setBusLogger({ warn: (m) => log.withTag("bus").warn(m), debug: (m) => log.withTag("bus").debug(m) });
    appendLogLine(logFile, "controller", `aiperf v${VERSION}: ${cfg.cliCommand}`);
    appendLogLine(logFile, "controller", `Resolved config: ${JSON.stringify(inputConfigOf(cfg))}`);
    for (const w of warnings) log.warn(w);
    await abortable(preflight(cfg, log), signal);
    const supervisor = new Supervisor({
      launcher: controls.processes === true ? profileLauncher() : inProcessLauncher(),
      log,
      logLevel: cfg.logLevel,
      registrationTimeoutMs: 30_000,
    });
    const ui = progressUi(cfg, controls, (error) => log.warn(`onProgress threw; no more progress calls: ${String(error)}`));
    const run = startProfile(cfg, { supervisor, log, ui, runDir, artifactDir, logFile });
    const cancel = (): void => run.cancel();
    signal?.addEventListener("abort", cancel, { once: true });
    // Aborted after the pre-flight settled but before the line above: no event comes now.
    if (signal?.aborted === true) cancel();
    const tail =
      controls.onRecord === undefined
        ? undefined
        : tailRecords(join(artifactDir, exportPlanOf(cfg).files.jsonl), controls.onRecord, (error) =>
            log.warn(`onRecord threw; no more record calls: ${String(error)}`),
          );
    try {
      const result = await Promise.race([run.done, failureOf(supervisor)]);
      tail?.stop();
      if (controls.console === true) process.stdout.write(displayText(result.consoleText));
      return reportOf(result, cfg, artifactDir, controls, signal?.aborted === true);
    } finally {
      tail?.stop();
      signal?.removeEventListener("abort", cancel);
      await supervisor.shutdown("profile finished");
    }
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Validates and resolves as the CLI does; every refusal is a BenchError naming the option. */
function prepare(input: Record<string, unknown>, controls: RunControls, warnings: string[]): ResolvedProfile {
  try {
    const parsed = parseProfileConfig(input);
    const cfg = resolveProfile(parsed, commandOf(input), false, (m) => warnings.push(m));
    checkGoodput(cfg);
    if (!cfg.noGpuTelemetry) checkNvmlOverride(process.env);
    checkBounds(cfg, parsed, readHost());
    if (controls.processes !== true && (cfg.concurrency ?? 1) > IN_PROCESS_FETCH_CAP) {
      // In one process every worker shares one fetch pool: requests past its cap would queue inside
      // fetch and the queueing would be measured as latency.
      throw new BenchError("CONFIG_INVALID", `concurrency ${cfg.concurrency} is more than one process can keep in flight (${IN_PROCESS_FETCH_CAP})`, {
        hint: "give processes: true to run the workers as child processes, as the binary does",
      });
    }
    return cfg;
  } catch (error) {
    throw error instanceof BenchError ? asOptionError(error) : error;
  }
}

/** The run as the log and `cli_command` show it: the options, credentials redacted. */
function commandOf(input: Record<string, unknown>): string {
  const shown: Record<string, unknown> = { ...input };
  if (shown.apiKey !== undefined) shown.apiKey = REDACTED;
  if (Array.isArray(shown.header)) shown.header = redactHeaderPairs(shown.header as [string, unknown][]);
  return `profile(${JSON.stringify(redactUrlsDeep(shown))})`;
}

/** The caller's onProgress (guarded: a throwing callback is logged once, never fatal), and the CLI's bars with `console`. */
function progressUi(cfg: ResolvedProfile, controls: RunControls, onError: (error: unknown) => void): ProgressUi {
  // A test runner's console: bars or status lines, never the full-screen dashboard.
  const bars = controls.console === true ? createProgressUi(process.stderr.isTTY !== true ? "lines" : cfg.ui === "none" ? "none" : "simple") : undefined;
  const onProgress = controls.onProgress;
  const t0 = performance.now();
  let failed = false;
  return {
    update(stage, done, total) {
      bars?.update(stage, done, total);
      if (onProgress === undefined || failed) return;
      const progress: ProfileProgress = { stage, done, total, elapsedMs: performance.now() - t0 };
      try {
        onProgress(progress);
      } catch (error) {
        failed = true;
        onError(error);
      }
    },
    finish() {
      bars?.finish();
    },
  };
}

/** The JSON file as an object, with the outcome and, on request, the records. */
function reportOf(result: ProfileResult, cfg: ResolvedProfile, artifactDir: string, controls: RunControls, cancelled: boolean): ProfileReport {
  const files = exportPlanOf(cfg).files;
  const jsonPath = join(artifactDir, files.json);
  if (!existsSync(jsonPath))
    throw new BenchError("COMMAND_FAILED", `The run wrote no ${files.json}`, { hint: `See ${join(artifactDir, "logs", "aiperf.log")}` });
  const report = JSON.parse(readFileSync(jsonPath, "utf8")) as ProfileReport;
  const failure = runFailure(result, cfg);
  report.outcome = {
    ok: !cancelled && failure === undefined,
    exitCode: cancelled ? EXIT_CODES.INTERRUPTED : (failure?.exitCode ?? EXIT_CODES.OK),
    message: cancelled ? "Aborted: partial results" : failure?.message,
    cancelled,
  };
  report.consoleText = result.consoleText;
  if (controls.records === true) report.records = readRecords(join(artifactDir, files.jsonl));
  if (cfg.artifactDir !== undefined) report.artifactDir = artifactDir;
  return report;
}

function readRecords(path: string): RecordLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RecordLine);
}

/** The pre-flight may wait minutes for a loading server: an abort ends it at once, nothing started. */
async function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new BenchError("INTERRUPTED", "profile() was aborted during the pre-flight check: nothing was started"));
  });
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal.aborted) onAbort();
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
