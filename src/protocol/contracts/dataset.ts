/** Role "dataset": synthesises or loads the conversations into dataset.bin and writes inputs.json. */
import type { DatasetConfig, DatasetConfigured } from "../dataset-config.ts";
import type { Command, None } from "./contract.ts";
import type * as v from "valibot";

export type DatasetContract = {
  commands: {
    configure: Command<v.InferInput<typeof DatasetConfig>, DatasetConfigured>;
  };
  events: None;
  broadcasts: None;
};
