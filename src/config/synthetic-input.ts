/**
 * The synthetic-extras flags (images, audio, --seq-dist, prefix prompts, shared system and user
 * context prompts, model selection): their cross-checks (§1.3, §1.5) and the part of the dataset
 * service's configuration they become.
 */
import { parseSequenceDistribution, SequenceDistributionError } from "../dataset/synthetic/seq-dist.ts";
import type { SyntheticConfig } from "../protocol/dataset-config.ts";
import type { ProfileConfig } from "./profile-schema.ts";
import { invalidValue, optionConflict } from "./conflict.ts";

/** Endpoint types whose request bodies carry images / audio / a system message. */
const IMAGE_ENDPOINTS: readonly string[] = ["chat", "messages", "responses", "chat_embeddings", "image_edit"];
const AUDIO_ENDPOINTS: readonly string[] = ["chat", "responses", "audio_transcription"];
const CONTEXT_PROMPT_ENDPOINTS: readonly string[] = ["chat", "messages", "chat_embeddings"];

type SyntheticFlags = Pick<
  ProfileConfig,
  | "endpointType"
  | "inputFile"
  | "publicDataset"
  | "modelSelectionStrategy"
  | "modelWeights"
  | "seqDist"
  | "promptPrefixPoolSize"
  | "promptPrefixLength"
  | "sharedSystemPromptLength"
  | "userContextPromptLength"
  | "imageWidthMean"
  | "imageWidthStddev"
  | "imageHeightMean"
  | "imageHeightStddev"
  | "imageBatchSize"
  | "imageFormat"
  | "audioLengthMean"
  | "audioLengthStddev"
  | "audioBatchSize"
  | "audioFormat"
  | "audioDepths"
  | "audioSampleRates"
  | "audioNumChannels"
>;

/** Throws CONFIG_INVALID naming the flag, its value and the rule. `given`: the flags as typed (before defaults). */
export function checkSyntheticFlags(cfg: SyntheticFlags, given: Record<string, unknown>): void {
  if (cfg.seqDist !== undefined) {
    try {
      parseSequenceDistribution(cfg.seqDist);
    } catch (error) {
      if (error instanceof SequenceDistributionError) throw invalidValue("--seq-dist", cfg.seqDist, error.message);
      throw error;
    }
  }
  if (cfg.audioFormat === "mp3") {
    throw invalidValue("--audio-format", "mp3", "MP3 encoding needs a native encoder this build does not ship; use wav");
  }
  const context = cfg.sharedSystemPromptLength !== undefined || cfg.userContextPromptLength !== undefined;
  if (context && (cfg.promptPrefixLength > 0 || cfg.promptPrefixPoolSize > 0)) {
    throw optionConflict(
      "--shared-system-prompt-length/--user-context-prompt-length and --prompt-prefix-length/--prompt-prefix-pool-size are mutually exclusive",
    );
  }
  if (cfg.userContextPromptLength !== undefined && given.conversationNum === undefined && given.numDatasetEntries === undefined) {
    throw optionConflict("--user-context-prompt-length needs --num-dataset-entries (or --conversation-num): each session gets its own user context prompt");
  }
  if (cfg.promptPrefixLength > 0 && cfg.promptPrefixPoolSize === 0) {
    throw optionConflict(`--prompt-prefix-length ${cfg.promptPrefixLength} needs --prompt-prefix-pool-size of at least 1`);
  }
  if (cfg.promptPrefixPoolSize > 0 && cfg.promptPrefixLength === 0) {
    throw optionConflict(`--prompt-prefix-pool-size ${cfg.promptPrefixPoolSize} needs --prompt-prefix-length greater than 0`);
  }
  if (cfg.imageWidthMean > 0 !== cfg.imageHeightMean > 0) {
    const [set, missing] = cfg.imageWidthMean > 0 ? ["--image-width-mean", "--image-height-mean"] : ["--image-height-mean", "--image-width-mean"];
    throw optionConflict(`${set} needs ${missing} greater than 0 too`);
  }
  const images = imagesEnabled(cfg);
  const audio = audioEnabled(cfg);
  if (images && !IMAGE_ENDPOINTS.includes(cfg.endpointType)) {
    throw optionConflict(
      `synthetic images (--image-width-mean/--image-height-mean) need --endpoint-type ${IMAGE_ENDPOINTS.join(", ")}, not ${cfg.endpointType}`,
    );
  }
  if (audio && !AUDIO_ENDPOINTS.includes(cfg.endpointType)) {
    throw optionConflict(`synthetic audio (--audio-length-mean) needs --endpoint-type ${AUDIO_ENDPOINTS.join(", ")}, not ${cfg.endpointType}`);
  }
  if (context && !CONTEXT_PROMPT_ENDPOINTS.includes(cfg.endpointType)) {
    throw optionConflict(
      `--shared-system-prompt-length/--user-context-prompt-length need --endpoint-type ${CONTEXT_PROMPT_ENDPOINTS.join(", ")}, not ${cfg.endpointType}`,
    );
  }
  if (cfg.inputFile !== undefined || cfg.publicDataset !== undefined) {
    const used = [
      images && "--image-width-mean",
      audio && "--audio-length-mean",
      cfg.seqDist !== undefined && "--seq-dist",
      cfg.promptPrefixLength > 0 && "--prompt-prefix-length",
      cfg.sharedSystemPromptLength !== undefined && "--shared-system-prompt-length",
      cfg.userContextPromptLength !== undefined && "--user-context-prompt-length",
    ].filter((x): x is string => typeof x === "string");
    if (used.length > 0) throw optionConflict(`${used.join(", ")} shape synthetic data and cannot be used with --input-file`);
  }
}

function imagesEnabled(cfg: SyntheticFlags): boolean {
  return cfg.imageWidthMean > 0 && cfg.imageHeightMean > 0 && cfg.imageBatchSize > 0;
}

function audioEnabled(cfg: SyntheticFlags): boolean {
  return cfg.audioLengthMean > 0 && cfg.audioBatchSize > 0;
}

/** The dataset service's `synthetic` section (flags already checked by {@link checkSyntheticFlags}). */
export function syntheticDatasetConfig(cfg: SyntheticFlags): SyntheticConfig {
  return {
    modelSelection: cfg.modelSelectionStrategy,
    ...(cfg.modelWeights === undefined ? {} : { modelWeights: cfg.modelWeights }),
    seqDist: cfg.seqDist === undefined ? null : parseSequenceDistribution(cfg.seqDist),
    prefixPoolSize: cfg.promptPrefixLength > 0 ? cfg.promptPrefixPoolSize : 0,
    prefixLength: cfg.promptPrefixLength,
    sharedSystemPromptLength: cfg.sharedSystemPromptLength ?? null,
    userContextPromptLength: cfg.userContextPromptLength ?? null,
    images: imagesEnabled(cfg)
      ? {
          widthMean: cfg.imageWidthMean,
          widthStddev: cfg.imageWidthStddev,
          heightMean: cfg.imageHeightMean,
          heightStddev: cfg.imageHeightStddev,
          format: cfg.imageFormat,
          batchSize: cfg.imageBatchSize,
        }
      : null,
    audio: audioEnabled(cfg)
      ? {
          lengthMean: cfg.audioLengthMean,
          lengthStddev: cfg.audioLengthStddev,
          sampleRatesKhz: cfg.audioSampleRates,
          depths: cfg.audioDepths,
          channels: cfg.audioNumChannels,
          format: cfg.audioFormat,
          batchSize: cfg.audioBatchSize,
        }
      : null,
  };
}
