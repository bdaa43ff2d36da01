/** `aiperf profile`: benchmark an OpenAI-compatible server, as upstream AIPerf does. */
import { redactArgs } from "../core/redact.ts";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { setBusLogger } from "../bus/index.ts";
import { parseProfileConfig, readProfileArgs } from "../config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { createMetricContext, GoodputConfigError } from "../metrics/index.ts";
import { tokenizesInput } from "../protocol/endpoint-types.ts";
import { processLauncher } from "../controller/launchers.ts";
import { startProfile } from "../controller/profile.ts";
import { preflight } from "../controller/preflight.ts";
import { createProgressUi } from "../controller/progress.ts";
import { Supervisor } from "../controller/supervisor.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { createControllerLogger } from "../core/log.ts";
import { artifactDirName } from "../export/index.ts";

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
    const artifactDir = resolve(cfg.artifactDir ?? join("artifacts", artifactDirName({ modelNames: cfg.model, endpointType: cfg.endpointType, concurrency: cfg.concurrency ?? null, requestRate: cfg.requestRate ?? null, fixedSchedule: cfg.fixedSchedule })));
    makeArtifactDir(artifactDir);
    const logFile = join(artifactDir, "logs", "aiperf.log");
    const log = createControllerLogger(logLevel, logFile);
    setBusLogger({ warn: (m) => log.withTag("bus").warn(m), debug: (m) => log.withTag("bus").debug(m) });
    for (const w of warnings) log.warn(w);
    await preflight(cfg, log);
    const runDir = mkdtempSync(join(tmpdir(), "aiperf-run-"));
    const supervisor = new Supervisor({ launcher: processLauncher(), log, logLevel, registrationTimeoutMs: 30_000 });
    const run = startProfile(cfg, { supervisor, log, ui: createProgressUi(cfg.ui), runDir, artifactDir, logFile });
    let interrupts = 0;
    const onSignal = (signal: string): void => {
      if (++interrupts > 1) {
        log.warn("Second interrupt: stopping now without results");
        void supervisor.shutdown("forced").finally(() => process.exit(EXIT_CODES.INTERRUPTED));
        return;
      }
      log.warn(`Received ${signal}: stopping the benchmark and writing partial results (again to force quit)`);
      run.cancel();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const result = await Promise.race([run.done, failureOf(supervisor)]);
      process.stdout.write(result.consoleText);
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

/** An artifact directory that cannot be made is the user's to fix: one message, not a stack. */
function makeArtifactDir(dir: string): void {
  try {
    mkdirSync(join(dir, "logs"), { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way" : code === "EROFS" ? "read-only file system" : code === "ENOENT" ? "it cannot be created there" : (error as Error).message;
    throw new BenchError("CONFIG_INVALID", `Cannot write --artifact-dir ${dir}: ${why}`, { hint: "give --artifact-dir a directory you can write to" });
  }
}

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
