/**
 * The run as its exports describe it: upstream's run_info and the resolved config (credentials
 * redacted), for the records service's "finalize" and the fallback export.
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { REDACTED, redactHeaderPairs, redactUrl, redactUrlsDeep } from "../core/redact.ts";
import { type RunInfo, singleRunInfo } from "../export/json-export.ts";

/** Upstream's run_info: a study's coordinates for a run it started (sweep, trial, SLA probe), else a single run's. */
export function runInfoOf(cfg: ResolvedProfile, benchmarkId: string): RunInfo {
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
