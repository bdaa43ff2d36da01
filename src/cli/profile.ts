/** `aiperf profile`: benchmark an OpenAI-compatible server, as upstream AIPerf does. */
import { redactArgs } from "../core/redact.ts";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { setBusLogger } from "../bus/index.ts";
import { checkBounds, readHost } from "../config/bounds.ts";
import { parseProfileConfig, readProfileArgs } from "../config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { createMetricContext, GoodputConfigError } from "../metrics/index.ts";
import { tokenizesInput } from "../protocol/endpoint-types.ts";
import { checkNvmlOverride } from "../controller/gpu-telemetry.ts";
import { processLauncher } from "../controller/launchers.ts";
import { startProfile } from "../controller/profile.ts";
import { createProgressUi } from "../controller/progress.ts";
import { Supervisor } from "../controller/supervisor.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { createControllerLogger } from "../core/log.ts";
import { makeRunDir, removeDeadRunDirs } from "../core/run-dirs.ts";
import { displayText } from "../core/safe-text.ts";
import { artifactDirName } from "../export/index.ts";
import { movedPath, setAsidePreviousRun } from "../export/previous-run.ts";

export const profileCommand = defineCommand({
  meta: { name: "profile", description: "Benchmark an OpenAI-compatible inference server" },
  // Flags are read from rawArgs by readProfileArgs; --help is rendered by profile-help.ts.
  async run({ rawArgs }) {
    const { input, verbosity } = readProfileArgs(rawArgs);
    const parsed = parseProfileConfig(input);
    const logLevel = verbosity === 2 ? "trace" : verbosity === 1 ? "debug" : parsed.logLevel;
    // Exported and printed, so credentials are redacted here once.
    const cliCommand = `aiperf profile ${redactArgs(rawArgs).map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}`;
    const warnings: string[] = [];
    const cfg = resolveProfile({ ...parsed, logLevel }, cliCommand, process.stderr.isTTY === true, (m) => warnings.push(m));
    checkGoodput(cfg);
    if (!cfg.noGpuTelemetry) checkNvmlOverride(process.env);
    // Processes, memory and open files: refused here, before a directory or a process exists.
    checkBounds(cfg, parsed, readHost());
    const artifactDir = resolve(cfg.artifactDir ?? join("artifacts", artifactDirName({ modelNames: cfg.model, endpointType: cfg.endpointType, concurrency: cfg.concurrency ?? null, requestRate: cfg.requestRate ?? null, fixedSchedule: cfg.fixedSchedule })));
    // Before the log opens: it appends, and an earlier run's logs/ goes aside with its other files.
    const previous = setAsidePreviousRun(artifactDir);
    mkdirSync(artifactDir, { recursive: true });
    const logFile = join(artifactDir, "logs", "aiperf.log");
    const log = createControllerLogger(logLevel, logFile);
    if (previous !== null) log.info(`The artifact directory held an earlier run's files: moved ${previous.names.join(", ")} to ${previous.movedTo}`);
    // Replaying the earlier run's inputs.json from that directory: read it where it went.
    const movedInput = previous === null || cfg.inputFile === undefined ? undefined : movedPath(previous, artifactDir, cfg.inputFile);
    if (movedInput !== undefined) {
      log.info(`Reading --input-file ${cfg.inputFile} from its new place, ${movedInput}`);
      cfg.inputFile = movedInput;
    }
    setBusLogger({ warn: (m) => log.withTag("bus").warn(m), debug: (m) => log.withTag("bus").debug(m) });
    for (const w of warnings) log.warn(w);
    // A run killed by SIGKILL cannot remove its temp directories: the next one does.
    const stale = removeDeadRunDirs();
    if (stale.length > 0) log.info(`Removed ${stale.length} temporary director${stale.length === 1 ? "y" : "ies"} left by earlier runs that were killed: ${stale.join(", ")}`);
    const runDir = makeRunDir("aiperf-run");
    const supervisor = new Supervisor({ launcher: processLauncher(), log, logLevel, registrationTimeoutMs: 30_000 });
    const run = startProfile(cfg, { supervisor, log, ui: createProgressUi(cfg.ui), runDir, artifactDir, logFile });
    let interrupts = 0;
    const onSignal = (signal: string): void => {
      if (++interrupts > 1) {
        log.warn("Second interrupt: stopping now without results");
        // process.exit skips the finally below: dataset.bin (GBs for a big input) goes here.
        void supervisor.shutdown("forced").finally(() => {
          rmSync(runDir, { recursive: true, force: true });
          process.exit(EXIT_CODES.INTERRUPTED);
        });
        return;
      }
      log.warn(`Received ${signal}: stopping the benchmark and writing partial results (again to force quit)`);
      run.cancel();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const result = await Promise.race([run.done, failureOf(supervisor)]);
      // The tables quote servers (error bodies, GPU names): nothing raw reaches the terminal.
      process.stdout.write(displayText(result.consoleText));
      if (interrupts > 0) return void (process.exitCode = EXIT_CODES.INTERRUPTED);
      const total = result.validCount + result.errorCount;
      if (total > 0 && result.validCount === 0) throw new BenchError("COMMAND_FAILED", `Every request failed (${result.errorCount} of ${total})`);
      if (cfg.failedRequestThreshold !== undefined && total > 0 && result.errorCount / total > cfg.failedRequestThreshold) {
        throw new BenchError("COMMAND_FAILED", `Failed requests ${result.errorCount}/${total} exceed --failed-request-threshold ${cfg.failedRequestThreshold}`);
      }
      if (cfg.failOnClientBottleneck && result.runValidity?.valid === false) {
        throw new BenchError("COMMAND_FAILED", `--fail-on-client-bottleneck: the client was the bottleneck (${result.runValidity.reasons.join("; ")})`);
      }
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await supervisor.shutdown("profile finished");
      rmSync(runDir, { recursive: true, force: true });
    }
  },
});

/** Unknown or inapplicable --goodput tags fail here, before any service starts. */
function checkGoodput(cfg: ResolvedProfile): void {
  if (cfg.goodput === undefined) return;
  try {
    createMetricContext({ streaming: cfg.streaming, producesTokens: cfg.producesTokens, tokenizesInput: tokenizesInput(cfg.endpointType), goodputSlos: cfg.goodput });
  } catch (error) {
    if (error instanceof GoodputConfigError) throw new BenchError("CONFIG_INVALID", `Invalid value ${JSON.stringify(Object.keys(cfg.goodput).join(" "))} for --goodput: ${error.message}`);
    throw error;
  }
}

/** Rejects as soon as a service dies, so a broken run ends at once instead of at a timeout. */
function failureOf(supervisor: Supervisor): Promise<never> {
  return new Promise((_, reject) => supervisor.onFailure(reject));
}
