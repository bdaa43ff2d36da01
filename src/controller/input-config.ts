/**
 * `input_config` of profile_export_aiperf.json in upstream's shape: its user config grouped as
 * endpoint / input / output / tokenizer / loadgen with snake_case names, so scripts reading e.g.
 * `input_config.endpoint.model_names` or `input_config.loadgen.concurrency` work on our files.
 * Like upstream (exclude_unset), options not given are left out; credentials arrive redacted.
 * Our own resolved config, flat, stays in the file as `resolved_config`.
 */
import type { ResolvedProfile } from "../config/resolve.ts";

type Obj = Record<string, unknown>;

/** Drops undefined values and empty objects, recursively. */
function compact(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const inner = compact(v as Obj);
      if (Object.keys(inner).length > 0) out[k] = inner;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** `redacted` is inputConfigOf(cfg): the flat config with credentials already replaced. */
export function upstreamInputConfig(redacted: Obj & Partial<ResolvedProfile>, cliCommand: string): Obj {
  const c = redacted;
  const pairs = (p: readonly (readonly [string, unknown])[] | undefined): Obj | undefined =>
    p === undefined || p.length === 0 ? undefined : Object.fromEntries(p);
  const mean = (m: number | undefined, s: number | undefined): Obj => ({ mean: m, stddev: s });
  return compact({
    endpoint: {
      model_names: c.model,
      model_selection_strategy: c.modelSelectionStrategy,
      custom_endpoint: c.endpoint,
      type: c.endpointType,
      streaming: c.streaming,
      urls: c.urls,
      timeout_seconds: c.requestTimeoutSeconds,
      api_key: c.apiKey,
      use_legacy_max_tokens: c.useLegacyMaxTokens || undefined,
      use_server_token_count: c.useServerTokenCount || undefined,
      wait_for_model_timeout: c.waitForModelTimeout || undefined,
      wait_for_model_mode: c.waitForModelTimeout ? c.waitForModelMode : undefined,
      wait_for_model_interval: c.waitForModelTimeout ? c.waitForModelInterval : undefined,
    },
    input: {
      extra: pairs(c.extraInputs),
      headers: pairs(c.header),
      file: c.inputFile,
      custom_dataset_type: c.customDatasetType,
      public_dataset: c.publicDataset,
      fixed_schedule: c.fixedSchedule || undefined,
      fixed_schedule_auto_offset: c.fixedScheduleAutoOffset || undefined,
      fixed_schedule_start_offset: c.fixedScheduleStartOffset,
      fixed_schedule_end_offset: c.fixedScheduleEndOffset,
      goodput: c.goodput,
      random_seed: c.randomSeed,
      prompt: {
        input_tokens: { ...mean(c.isl, c.islStddev), block_size: c.islBlockSize },
        output_tokens: mean(c.osl, c.osl === undefined ? undefined : c.oslStddev),
        prefix_prompt: c.promptPrefixPoolSize ? { pool_size: c.promptPrefixPoolSize, length: c.promptPrefixLength } : undefined,
      },
      conversation: {
        num: c.conversationNum,
        turn: {
          ...mean(c.conversationTurnMean, c.conversationTurnStddev),
          delay: { ...mean(c.conversationTurnDelayMean, c.conversationTurnDelayStddev), ratio: c.conversationTurnDelayRatio },
        },
      },
      image:
        c.imageWidthMean || c.imageHeightMean
          ? {
              width: mean(c.imageWidthMean, c.imageWidthStddev),
              height: mean(c.imageHeightMean, c.imageHeightStddev),
              batch_size: c.imageBatchSize,
              format: c.imageFormat,
            }
          : undefined,
      audio: c.audioLengthMean
        ? {
            length: mean(c.audioLengthMean, c.audioLengthStddev),
            batch_size: c.audioBatchSize,
            format: c.audioFormat,
            depths: c.audioDepths,
            sample_rates: c.audioSampleRates,
            num_channels: c.audioNumChannels,
          }
        : undefined,
    },
    output: {
      artifact_directory: c.artifactDir,
      profile_export_prefix: c.profileExportPrefix,
      export_level: c.exportLevel,
      export_outputs_json: c.exportOutputsJson,
      slice_duration: c.sliceDuration,
    },
    tokenizer: { name: c.tokenizer },
    loadgen: {
      benchmark_duration: c.benchmarkDuration,
      benchmark_grace_period: c.benchmarkDuration === undefined ? undefined : Number.isFinite(c.benchmarkGracePeriod) ? c.benchmarkGracePeriod : "inf",
      concurrency: c.concurrency,
      prefill_concurrency: c.prefillConcurrency,
      request_rate: c.requestRate,
      arrival_pattern: c.requestRate === undefined ? undefined : c.rateMode,
      arrival_smoothness: c.arrivalSmoothness,
      request_count: c.requestCount,
      warmup_request_count: c.warmupRequestCount || undefined,
      warmup_duration: c.warmupDuration,
      request_cancellation_rate: c.requestCancellationRate || undefined,
      request_cancellation_delay: c.requestCancellationRate ? c.requestCancellationDelay : undefined,
      user_centric_rate: c.userCentricRate,
      num_users: c.numUsers,
    },
    gpu_telemetry: c.gpuTelemetry !== undefined && c.gpuTelemetry.length > 0 ? c.gpuTelemetry : undefined,
    server_metrics: c.serverMetrics !== undefined && c.serverMetrics.length > 0 ? c.serverMetrics : undefined,
    cli_command: cliCommand,
  });
}
