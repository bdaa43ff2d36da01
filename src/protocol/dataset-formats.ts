/**
 * Names of dataset formats and synthetic media choices: data every layer may read (flags, the
 * dataset service's configure payload), kept free of loader and encoder code.
 */

/** Values of --custom-dataset-type (upstream v0.1.1's four, csv, and newer upstream's inputs_json and raw_payload). */
export const CUSTOM_DATASET_TYPES = ["single_turn", "multi_turn", "random_pool", "mooncake_trace", "csv", "inputs_json", "raw_payload"] as const;
/** A built-in's name or one a plugin registered (dataset/loaders/formats.ts keeps the names). */
export type CustomDatasetType = string;
/** Values of --public-dataset (read from a local file; never downloaded). */
export const PUBLIC_DATASETS = ["sharegpt"] as const;
export type PublicDataset = (typeof PUBLIC_DATASETS)[number];
export type DatasetFormat = string;

export const IMAGE_FORMATS = ["png", "jpeg", "random"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const AUDIO_FORMATS = ["wav", "mp3"] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];
export const AUDIO_DEPTHS = [8, 16, 24, 32] as const;
export type AudioDepth = (typeof AUDIO_DEPTHS)[number];
