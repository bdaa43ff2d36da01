/** Role "dataset": synthesises or loads the conversations into dataset.bin and writes inputs.json. */
import type { DatasetConfig, DatasetConfigured } from "../dataset-config.ts";
import type { Command, None } from "./contract.ts";
import type * as v from "valibot";

export type DatasetContract = {
  commands: {
    /** Answers once dataset.bin is complete (what workers read); a synthetic dataset's inputs.json may still be being written. */
    configure: Command<v.InferInput<typeof DatasetConfig>, DatasetConfigured>;
    /** Answers once inputs.json is written: the controller asks before the first request, so the write never overlaps one. */
    inputs: Command<undefined, { written: boolean }>;
  };
  events: None;
  broadcasts: None;
};
