/**
 * What newer upstream's request, dataset and tokenizer options (issue 18) become in the services'
 * configure payloads: the worker's headers and connections, the dataset's batch, rankings,
 * cache-bust and trace-timing settings. Kept out of profile.ts so that file changes by a line.
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import type { UpstreamDatasetOptions } from "../protocol/dataset-config.ts";

/** The worker's part: --session-header, --connection-reuse-strategy, --request-content-type. */
export function requestOptionsOf(cfg: ResolvedProfile): { sessionHeader?: string; freshConnections: boolean; multipart?: boolean } {
  return {
    ...(cfg.sessionHeader === undefined ? {} : { sessionHeader: cfg.sessionHeader }),
    freshConnections: cfg.connectionReuseStrategy === "never",
    ...(cfg.requestContentType === undefined ? {} : { multipart: cfg.requestContentType === "multipart/form-data" }),
  };
}

/** The dataset service's part. Under a fixed schedule the timestamps drive the run: none is dropped. */
export function datasetOptionsOf(cfg: ResolvedProfile): UpstreamDatasetOptions {
  return {
    promptBatchSize: cfg.promptBatchSize,
    rankings: {
      passagesMean: cfg.rankingsPassagesMean,
      passagesStddev: cfg.rankingsPassagesStddev,
      passageTokensMean: cfg.rankingsPassagesPromptTokenMean,
      passageTokensStddev: cfg.rankingsPassagesPromptTokenStddev,
      queryTokensMean: cfg.rankingsQueryPromptTokenMean,
      queryTokensStddev: cfg.rankingsQueryPromptTokenStddev,
    },
    cacheBust: cfg.cacheBust,
    traceTiming: {
      ignoreDelays: cfg.ignoreTraceDelays && !cfg.fixedSchedule,
      speedup: cfg.replaySpeedup ?? 1,
      delayCapMs: cfg.interTurnDelayCapSeconds === undefined ? null : cfg.interTurnDelayCapSeconds * 1000,
    },
    ...(tokenizerRevisionOf(cfg) === undefined ? {} : { tokenizerRevision: tokenizerRevisionOf(cfg) }),
  };
}

/**
 * --tokenizer-revision for the cache lookup. The default `main` is left out: the lookup then takes
 * refs/main, or the newest snapshot of a cache filled by commit (which has no refs/main).
 */
export function tokenizerRevisionOf(cfg: ResolvedProfile): string | undefined {
  return cfg.tokenizerRevision === "main" ? undefined : cfg.tokenizerRevision;
}
