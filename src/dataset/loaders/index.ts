/**
 * File-based datasets: one loader per format, keyed by the format name. `datasetFormat` maps the
 * flags to a format; `streamDataset` runs it piece by piece, `loadDataset` collects the result.
 * Every loader streams its input and reports bad input as a DatasetInputError (`file:line: what
 * is wrong`).
 */
import { existsSync } from "node:fs";
import type { Loader, LoaderContext, Piece } from "./context.ts";
import { loadCsv } from "./csv.ts";
import { addCustomDatasetType, type DatasetFormat } from "./formats.ts";
import { loadInputsJson } from "./inputs-json.ts";
import { type Conversation, createSessionGrouper, DatasetInputError, sortByTimestamp } from "./model.ts";
import { loadMooncakeTrace } from "./mooncake.ts";
import { loadMultiTurn } from "./multi-turn.ts";
import { loadRandomPool } from "./random-pool.ts";
import { loadRawPayload } from "./raw-payload.ts";
import { loadShareGpt } from "./sharegpt.ts";
import { loadSingleTurn } from "./single-turn.ts";

export type { Loader, LoaderContext, Piece } from "./context.ts";
export { type Conversation, DatasetInputError, type Media, type TextSpans, type Turn } from "./model.ts";
export { payloadTexts } from "./inputs-json.ts";

export {
  datasetFormat,
  SHAREGPT_HINT,
  CUSTOM_DATASET_TYPES,
  type CustomDatasetType,
  type DatasetFormat,
  PUBLIC_DATASETS,
  type PublicDataset,
} from "./formats.ts";

/** Loaders by format name: the built-ins below, then any a plugin registers (plugins/load.ts). */
export const LOADERS = new Map<DatasetFormat, Loader>([["sharegpt", loadShareGpt]]);

/** Adds a --custom-dataset-type format and its loader, as the built-ins are added. */
export function registerDatasetFormat(name: string, loader: Loader, origin = "built-in"): void {
  if (origin !== "built-in") addCustomDatasetType(name, origin);
  else if (LOADERS.has(name)) throw new Error(`dataset format "${name}" is already registered`);
  LOADERS.set(name, loader);
}

registerDatasetFormat("single_turn", loadSingleTurn);
registerDatasetFormat("multi_turn", loadMultiTurn);
registerDatasetFormat("random_pool", loadRandomPool);
registerDatasetFormat("mooncake_trace", loadMooncakeTrace);
registerDatasetFormat("csv", loadCsv);
registerDatasetFormat("inputs_json", loadInputsJson);
registerDatasetFormat("raw_payload", loadRawPayload);

/** The pieces of `ctx.path` read as `format`, as they are read; a file without any is an error. */
export async function* streamDataset(format: DatasetFormat, ctx: LoaderContext): AsyncGenerator<Piece> {
  if (!existsSync(ctx.path)) throw new DatasetInputError(ctx.path, undefined, "no such file or directory");
  let pieces = 0;
  const loader = LOADERS.get(format);
  if (loader === undefined)
    throw new DatasetInputError(ctx.path, undefined, `no loader for the dataset format "${format}" (is the plugin that registers it loaded?)`);
  for await (const piece of loader(ctx)) {
    pieces++;
    yield piece;
  }
  if (pieces === 0) throw new DatasetInputError(ctx.path, undefined, "no conversations in the file");
}

/**
 * Loads `ctx.path` as `format` into memory (tests, small files): pieces grouped by session in
 * file order, then sorted by timestamp as the streaming writer sorts them.
 */
export async function loadDataset(format: DatasetFormat, ctx: LoaderContext): Promise<Conversation[]> {
  const sessions = createSessionGrouper(() => ctx.sessionId());
  for await (const piece of streamDataset(format, ctx)) sessions.add(piece.session, piece.turns);
  return sortByTimestamp(sessions.conversations);
}
