/**
 * File-based datasets: one loader per format, keyed by the format name. `datasetFormat` maps the
 * flags to a format; `loadDataset` runs it. Every loader streams its input and reports bad input
 * as a DatasetInputError (`file:line: what is wrong`).
 */
import { existsSync } from "node:fs";
import type { Loader, LoaderContext } from "./context.ts";
import { loadCsv } from "./csv.ts";
import type { DatasetFormat } from "./formats.ts";
import { loadInputsJson } from "./inputs-json.ts";
import { type Conversation, DatasetInputError } from "./model.ts";
import { loadMooncakeTrace } from "./mooncake.ts";
import { loadMultiTurn } from "./multi-turn.ts";
import { loadRandomPool } from "./random-pool.ts";
import { loadShareGpt } from "./sharegpt.ts";
import { loadSingleTurn } from "./single-turn.ts";

export type { Loader, LoaderContext } from "./context.ts";
export { type Conversation, DatasetInputError, type Media, type Turn } from "./model.ts";
export { payloadTexts } from "./inputs-json.ts";

export { datasetFormat, SHAREGPT_HINT, CUSTOM_DATASET_TYPES, type CustomDatasetType, type DatasetFormat, PUBLIC_DATASETS, type PublicDataset } from "./formats.ts";

export const LOADERS: Record<DatasetFormat, Loader> = {
  single_turn: loadSingleTurn,
  multi_turn: loadMultiTurn,
  random_pool: loadRandomPool,
  mooncake_trace: loadMooncakeTrace,
  csv: loadCsv,
  inputs_json: loadInputsJson,
  sharegpt: loadShareGpt,
};

/** Loads `ctx.path` as `format`. */
export async function loadDataset(format: DatasetFormat, ctx: LoaderContext): Promise<Conversation[]> {
  if (!existsSync(ctx.path)) throw new DatasetInputError(ctx.path, undefined, "no such file or directory");
  const conversations = await LOADERS[format](ctx);
  if (conversations.length === 0) throw new DatasetInputError(ctx.path, undefined, "no conversations in the file");
  return conversations;
}
