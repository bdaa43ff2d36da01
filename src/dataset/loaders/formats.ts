/**
 * Dataset format names, kept free of loader code so config modules can import them cheaply: the
 * built-ins and those plugins registered (loaders/index.ts registers a name with its loader).
 */
import { extname } from "node:path";

import { CUSTOM_DATASET_TYPES, type CustomDatasetType, type DatasetFormat, type PublicDataset } from "../../protocol/dataset-formats.ts";

export { CUSTOM_DATASET_TYPES, type CustomDatasetType, type DatasetFormat, PUBLIC_DATASETS, type PublicDataset } from "../../protocol/dataset-formats.ts";

/** --custom-dataset-type names with where each came from ("built-in" or a plugin file). */
const CUSTOM_TYPES = new Map<string, string>(CUSTOM_DATASET_TYPES.map((t) => [t, "built-in"]));

/** Adds a --custom-dataset-type name; a taken one is refused (a plugin cannot replace a built-in). */
export function addCustomDatasetType(name: string, origin: string): void {
  const taken = CUSTOM_TYPES.get(name);
  if (taken !== undefined) throw new Error(`dataset format "${name}" is already registered (by ${taken})`);
  CUSTOM_TYPES.set(name, origin);
}

export function customDatasetTypes(): { name: string; origin: string }[] {
  return [...CUSTOM_TYPES].map(([name, origin]) => ({ name, origin }));
}

export function isCustomDatasetType(name: string): boolean {
  return CUSTOM_TYPES.has(name);
}

/** Where to get ShareGPT, since aiperf-bun never downloads it. */
export const SHAREGPT_HINT =
  "Download ShareGPT_V3_unfiltered_cleaned_split.json from https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered and pass its path with --input-file (aiperf-bun never downloads datasets)";

/**
 * The format for the flags: --public-dataset wins; a `.csv` file given as single_turn (the
 * default type) is read as CSV, since a CSV file cannot be JSONL.
 */
export function datasetFormat(opts: {
  inputFile: string;
  customDatasetType?: CustomDatasetType | undefined;
  publicDataset?: PublicDataset | undefined;
}): DatasetFormat {
  if (opts.publicDataset !== undefined) return opts.publicDataset;
  const type = opts.customDatasetType ?? "single_turn";
  if (type === "single_turn" && extname(opts.inputFile).toLowerCase() === ".csv") return "csv";
  return type;
}
