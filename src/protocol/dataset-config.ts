/** The dataset service's "configure" payload and reply. */
import * as v from "valibot";
import { ENDPOINT_TYPES } from "./endpoint-types.ts";

export const DatasetConfig = v.object({
  model: v.pipe(v.array(v.string()), v.minLength(1)),
  endpointType: v.picklist(ENDPOINT_TYPES),
  streaming: v.boolean(),
  extraInputs: v.array(v.tuple([v.string(), v.unknown()])),
  isl: v.number(),
  islStddev: v.number(),
  osl: v.nullable(v.number()),
  oslStddev: v.number(),
  conversationNum: v.number(),
  randomSeed: v.nullable(v.number()),
  tokenizer: v.nullable(v.string()),
  /** Where to write dataset.bin (the run's private folder). */
  datasetPath: v.string(),
  /** Where to write inputs.json (the artifact folder). */
  inputsJsonPath: v.string(),
});
export type DatasetConfig = v.InferOutput<typeof DatasetConfig>;

export type DatasetConfigured = { conversations: number; turns: number; tokenizer: string };
