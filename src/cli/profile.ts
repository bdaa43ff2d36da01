/** `aiperf profile`: benchmark an OpenAI-compatible server, as upstream AIPerf does. */
import { redactArgs } from "../core/redact.ts";
import { accessSync, constants, existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { defineCommand } from "citty";
import { setBusLogger } from "../bus/index.ts";
import { checkBounds, readHost } from "../config/bounds.ts";
import { parseProfileInput, pluginArgs, readProfileInput, withFileFlags } from "../config/config-file.ts";
import { loadPlugins } from "../plugins/load.ts";
import { resolveProfile } from "../config/resolve.ts";
import { checkNvmlOverride } from "../controller/gpu-telemetry.ts";
import { profileLauncher } from "../controller/launchers.ts";
import { checkGoodput } from "../controller/goodput-check.ts";
import { failureOf, runFailure } from "../controller/outcome.ts";
import { inputConfigOf, startProfile } from "../controller/profile.ts";
import { preflight } from "../controller/preflight.ts";
import { createProgressUi } from "../controller/progress.ts";
import { createDashboard, dashboardInfo, dashboardPossible } from "../controller/dashboard/index.ts";
import { DUPLICATE_SIGNAL_MS, type InterruptSignal, Interrupts } from "../controller/interrupts.ts";
import { Supervisor } from "../controller/supervisor.ts";
import { type HeldSignal, holdSignals, takeHeldSignals } from "../core/early-signals.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { appendLogLine, createControllerLogger } from "../core/log.ts";
import { makeRunDir, removeDeadRunDirs } from "../core/run-dirs.ts";
import { displayText } from "../core/safe-text.ts";
import { VERSION } from "../core/version.ts";
import { runFacts, terminalColumns } from "./run-facts.ts";
import { artifactDirName } from "../export/index.ts";
import { exportFileNames } from "../export/export-files.ts";
import { movedPath, setAsidePreviousRun } from "../export/previous-run.ts";
import { readStudyRun } from "../config/study-run.ts";
import { readStudyOptions } from "../study/options.ts";
import { takePrestartedThread } from "../runtime/thread-prestart.ts";

export const profileCommand = defineCommand({
  meta: { name: "profile", description: "Benchmark an OpenAI-compatible inference server" },
  // Flags are read from rawArgs by readProfileArgs; --help is rendered by profile-help.ts.
  async run({ rawArgs }) {
    // --slurm: this process only launches the controller and the srun node step (src/slurm/).
    if (rawArgs.includes("--slurm")) return void (process.exitCode = await (await import("../slurm/index.ts")).runSlurmProfile(rawArgs));
    // --kubernetes: the run happens in a cluster (src/kube/); loaded only then.
    if (rawArgs.includes("--kubernetes")) return void (process.exitCode = await (await import("./kube-profile.ts")).profileOnKubernetes(rawArgs));
    // --plugin files first: their endpoint types, formats and transports are names the flags may use.
    await loadPlugins(pluginArgs(rawArgs));
    // Comma lists, --num-profile-runs or an SLA search, on the command line or in a -f/--config
    // file: a study of several runs (src/study/), each a plain run with the file's flags written out.
    const study = readStudyOptions(withFileFlags(rawArgs));
    // Loaded only for a study: a plain run's start-up stays as it was. Its runs are processes of
    // their own, so the dataset thread started at launch (runtime/thread-prestart.ts) is let go.
    if (study !== undefined) {
      takePrestartedThread("dataset", "0")?.worker.terminate();
      return void (process.exitCode = await (await import("../study/index.ts")).runStudy(study));
    }
    // -f/--config FILE: the file's flags under the command line's (config/config-file.ts).
    const read = readProfileInput(rawArgs);
    const { verbosity } = read;
    const parsed = parseProfileInput(read);
    const logLevel = verbosity === 2 ? "trace" : verbosity === 1 ? "debug" : parsed.logLevel;
    // Exported and printed, so credentials are redacted here once.
    const cliCommand = `aiperf profile ${redactArgs(rawArgs)
      .map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))
      .join(" ")}`;
    const warnings: string[] = [];
    const cfg = resolveProfile({ ...parsed, logLevel }, cliCommand, process.stderr.isTTY === true, (m) => warnings.push(m));
    checkGoodput(cfg);
    const studyRun = readStudyRun(process.env);
    if (studyRun !== undefined) cfg.studyRun = studyRun;
    if (!cfg.noGpuTelemetry) checkNvmlOverride(process.env);
    // Processes, memory and open files: refused here, before a directory or a process exists.
    checkBounds(cfg, parsed, readHost());
    const artifactDir = resolve(
      cfg.artifactDir ??
        join(
          "artifacts",
          artifactDirName({
            modelNames: cfg.model,
            endpointType: cfg.endpointType,
            concurrency: cfg.concurrency ?? null,
            requestRate: cfg.requestRate ?? null,
            fixedSchedule: cfg.fixedSchedule,
          }),
        ),
    );
    // Before the log opens: it appends, and an earlier run's logs/ goes aside with its other files.
    const previous = setAsidePreviousRun(artifactDir, Object.values(exportFileNames(cfg.profileExportPrefix)));
    makeArtifactDir(artifactDir);
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
    // Facts of the run: on the console at info, and in the log file at any --log-level.
    const fact = (line: string): void => (logLevel === "error" || logLevel === "warn" ? appendLogLine(logFile, "controller", line) : log.info(line));
    fact(`aiperf v${VERSION}: ${cliCommand}`);
    for (const line of runFacts(cfg)) fact(line);
    appendLogLine(logFile, "controller", `Resolved config: ${JSON.stringify(inputConfigOf(cfg))}`);
    if (cfg.studyRun !== undefined) appendLogLine(logFile, "controller", `Study run: ${JSON.stringify(cfg.studyRun)}`);
    for (const w of warnings) log.warn(w);
    // A run killed by SIGKILL cannot remove its temp directories: the next one does.
    const stale = removeDeadRunDirs();
    if (stale.length > 0)
      log.info(`Removed ${stale.length} temporary director${stale.length === 1 ? "y" : "ies"} left by earlier runs that were killed: ${stale.join(", ")}`);
    // With no readiness wait the check is a few GETs: it runs while the services start, and the run
    // waits for it before it configures any (a failure stops them and exits as before: nothing sent).
    const waits = cfg.waitForModelTimeout > 0;
    if (waits) await interruptible(preflight(cfg, log));
    const checked = waits ? undefined : preflight(cfg, log);
    checked?.catch(() => {});
    const runDir = makeRunDir("aiperf-run");
    const supervisor = new Supervisor({
      launcher: profileLauncher(),
      log,
      logLevel,
      registrationTimeoutMs: 30_000,
      ...(cfg.workerNodes === undefined && cfg.zmqIpcPath === undefined ? {} : (await import("../controller/cluster/index.ts")).clusterSupervisorOptions(cfg)),
    });
    // No --ui and stderr not a terminal (CI, a log file): a plain status line every few seconds.
    // The dashboard where it can draw; elsewhere (a pipe, NO_COLOR, TERM=dumb) what simple falls back to.
    const ui =
      cfg.ui === "dashboard" && dashboardPossible(process.stderr)
        ? createDashboard(dashboardInfo(cfg), () => supervisor.heartbeatLateness())
        : createProgressUi(parsed.ui === undefined && process.stderr.isTTY !== true ? "lines" : cfg.ui === "dashboard" ? "simple" : cfg.ui);
    const columns = terminalColumns();
    const run = startProfile(cfg, {
      supervisor,
      log,
      ui,
      runDir,
      artifactDir,
      logFile,
      ...(columns === undefined ? {} : { columns }),
      ...(checked === undefined ? {} : { preflight: checked }),
    });
    const interrupts = new Interrupts();
    const onSignal = (signal: InterruptSignal): void => {
      switch (interrupts.receive(signal, performance.now())) {
        case "duplicate":
          log.debug(`${signal} again within ${DUPLICATE_SIGNAL_MS} ms: the same interrupt delivered twice (to the process and its group)`);
          return;
        case "force":
          log.warn(`Second interrupt (${signal}): stopping now without results`);
          // process.exit skips the finally below: dataset.bin (GBs for a big input) goes here.
          void supervisor.shutdown("forced").finally(() => {
            rmSync(runDir, { recursive: true, force: true });
            process.exit(interrupts.exitCode);
          });
          return;
        case "first":
          log.warn(`Received ${signal}: stopping the benchmark and writing partial results (again to force quit)`);
          run.cancel();
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    for (const signal of takeHeldSignals()) onSignal(signal);
    try {
      const result = await Promise.race([run.done, failureOf(supervisor)]);
      // The tables quote servers (error bodies, GPU names): nothing raw reaches the terminal.
      process.stdout.write(displayText(result.consoleText));
      const written = [...new Set([...result.files, join(artifactDir, "inputs.json"), logFile])].filter((f) => existsSync(f));
      // Names relative to the artifact directory: full paths of a deep directory wrap at 80 columns.
      const shown = written.map((f) => (f.startsWith(`${artifactDir}${sep}`) ? f.slice(artifactDir.length + 1) : f));
      process.stdout.write(`Files written to ${artifactDir}:\n${shown.map((f) => `  ${f}\n`).join("")}`);
      if (cfg.autoPlot) await autoPlot(artifactDir, log);
      const v = result.runValidity;
      fact(
        v === undefined || !v.judged
          ? "Client check: not judged (no request succeeded)"
          : v.valid
            ? "Client check: the client kept up"
            : `Run invalid: the client was the bottleneck (${v.reasons.join("; ")})`,
      );
      if (interrupts.exitCode !== undefined) {
        fact(`Exit ${interrupts.exitCode}: interrupted; partial results written`);
        return void (process.exitCode = interrupts.exitCode);
      }
      const failure = runFailure(result, cfg);
      if (failure !== undefined) throw failure;
      fact(`Exit ${EXIT_CODES.OK}: ${result.validCount} requests succeeded, ${result.errorCount} failed`);
    } catch (error) {
      // The console gets the error from cli/run.ts; the log file gets it here.
      const code = error instanceof BenchError ? error.exitCode : EXIT_CODES.FAILED;
      appendLogLine(logFile, "controller", `Exit ${code}: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      // Closed already after a run; after a failure the terminal is restored before the error shows.
      ui.finish();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await supervisor.shutdown("profile finished");
      rmSync(runDir, { recursive: true, force: true });
    }
  },
});

/** --auto-plot: the report of this run; a failure is told, and does not change the run's exit code. */
async function autoPlot(artifactDir: string, log: { warn(message: string): void }): Promise<void> {
  try {
    const { plot } = await import("./plot.ts");
    await plot([artifactDir], { output: join(artifactDir, "plots") });
  } catch (error) {
    log.warn(`--auto-plot: no report written: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** An artifact directory that cannot be made is the user's to fix: one message, not a stack. */
function makeArtifactDir(dir: string): void {
  try {
    mkdirSync(join(dir, "logs"), { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "ENOTDIR" || code === "EEXIST"
          ? "a file is in the way"
          : code === "EROFS"
            ? "read-only file system"
            : code === "ENOENT"
              ? "it cannot be created there"
              : (error as Error).message;
    throw new BenchError("CONFIG_INVALID", `Cannot write --artifact-dir ${dir}: ${why}`, { hint: "give --artifact-dir a directory you can write to" });
  }
}

/**
 * The pre-flight may wait minutes for a server still loading (--wait-for-model-timeout), before the
 * run's own handlers exist: an interrupt then ends the command at once (nothing has started yet).
 * Signals are held again afterwards, until the run's handlers take them over.
 */
async function interruptible<T>(work: Promise<T>): Promise<T> {
  let onSignal: (signal: HeldSignal) => void = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = (signal) =>
      reject(new BenchError(signal === "SIGINT" ? "INTERRUPTED" : "TERMINATED", `Interrupted by ${signal} during the pre-flight check: nothing was started`));
  });
  const early = takeHeldSignals();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    if (early[0] !== undefined) onSignal(early[0]);
    return await Promise.race([work, interrupted]);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    holdSignals();
  }
}
