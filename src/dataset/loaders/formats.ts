/** Dataset format names, kept free of loader code so config modules can import them cheaply. */
import { extname } from "node:path";

import type { CustomDatasetType, DatasetFormat, PublicDataset } from "../../protocol/dataset-formats.ts";

export { CUSTOM_DATASET_TYPES, type CustomDatasetType, type DatasetFormat, PUBLIC_DATASETS, type PublicDataset } from "../../protocol/dataset-formats.ts";

/** Where to get ShareGPT, since aiperf-bun never downloads it. */
export const SHAREGPT_HINT =
  "Download ShareGPT_V3_unfiltered_cleaned_split.json from https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered and pass its path with --input-file (aiperf-bun never downloads datasets)";

/**
 * The format for the flags: --public-dataset wins; a `.csv` file given as single_turn (the
 * default type) is read as CSV, since a CSV file cannot be JSONL.
 */
export function datasetFormat(opts: { inputFile: string; customDatasetType?: CustomDatasetType | undefined; publicDataset?: PublicDataset | undefined }): DatasetFormat {
  if (opts.publicDataset !== undefined) return opts.publicDataset;
  const type = opts.customDatasetType ?? "single_turn";
  if (type === "single_turn" && extname(opts.inputFile).toLowerCase() === ".csv") return "csv";
  return type;
}
