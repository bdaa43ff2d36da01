/** Role "dataset": synthesises or loads the conversations into dataset.bin and writes inputs.json. */
import type { DatasetConfig, DatasetConfigured } from "../dataset-config.ts";
import type { Command, None } from "./contract.ts";
import type * as v from "valibot";

export type DatasetContract = {
  commands: {
    /** Answers once dataset.bin is complete (what workers read); a synthetic dataset's inputs.json is written on "inputs". */
    configure: Command<v.InferInput<typeof DatasetConfig>, DatasetConfigured>;
    /** Writes a synthetic dataset's inputs.json (at shutdown if never asked) and answers once it is written: the controller asks right after configure and waits for it before the first request, so the write never overlaps one. */
    inputs: Command<undefined, { written: boolean }>;
  };
  events: None;
  broadcasts: None;
};
