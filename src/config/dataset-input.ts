/**
 * The dataset flags' cross-checks (§1.4) and what they resolve to: the loader format, whether
 * the request count comes from the dataset, and whether conversations are served in order.
 */
import { accessSync, constants, statSync } from "node:fs";
import { type DatasetFormat, datasetFormat, SHAREGPT_HINT } from "../dataset/loaders/formats.ts";
import { looksLikeRawPayload } from "./detect-raw-payload.ts";
import type { ProfileConfig } from "./profile-schema.ts";
import { optionConflict } from "./conflict.ts";

type DatasetInput = { datasetFormat: DatasetFormat | null; requestCountFromDataset: boolean; sequentialDataset: boolean };

export function resolveDatasetInput(cfg: ProfileConfig): DatasetInput {
  if (cfg.publicDataset !== undefined && cfg.customDatasetType !== undefined) {
    throw optionConflict("--public-dataset and --custom-dataset-type cannot be used together");
  }
  if (cfg.inputFile === undefined) {
    if (cfg.publicDataset === "sharegpt") throw optionConflict("--public-dataset sharegpt needs the dataset file given with --input-file", SHAREGPT_HINT);
    if (cfg.customDatasetType !== undefined) throw optionConflict(`--custom-dataset-type ${cfg.customDatasetType} needs --input-file`);
    return { datasetFormat: null, requestCountFromDataset: false, sequentialDataset: false };
  }
  // Without a type, lines that are chat request bodies are upstream's raw_payload (auto-detected).
  const detected = cfg.customDatasetType === undefined && cfg.publicDataset === undefined && looksLikeRawPayload(cfg.inputFile);
  const format = detected
    ? "raw_payload"
    : datasetFormat({ inputFile: cfg.inputFile, customDatasetType: cfg.customDatasetType, publicDataset: cfg.publicDataset });
  let isDir: boolean;
  try {
    isDir = statSync(cfg.inputFile).isDirectory();
  } catch {
    throw optionConflict(`--input-file ${cfg.inputFile} does not exist`);
  }
  if (isDir && format !== "random_pool" && format !== "raw_payload")
    throw optionConflict(`--input-file ${cfg.inputFile} is a directory; only --custom-dataset-type random_pool and raw_payload read directories`);
  try {
    accessSync(cfg.inputFile, constants.R_OK);
  } catch (error) {
    throw optionConflict(
      `--input-file ${cfg.inputFile} cannot be read (${(error as { code?: string }).code === "EACCES" ? "permission denied" : (error as Error).message})`,
      "check the file's permissions, or give a copy you can read",
    );
  }
  const trace = format === "mooncake_trace";
  return {
    datasetFormat: format,
    requestCountFromDataset: trace && cfg.requestCount === undefined && cfg.benchmarkDuration === undefined,
    // Upstream replays traces and raw payloads in file order by default.
    sequentialDataset: trace || format === "raw_payload",
  };
}
