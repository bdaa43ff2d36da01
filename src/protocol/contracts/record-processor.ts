/** Role "record-processor": parses the workers' raw captures into records for the records service. */
import type * as v from "valibot";
import type { ProcessorBound, ProcessorConfig, ProcessorStats, TokenizerPreload } from "../record-processor-config.ts";
import type { Command, None } from "./contract.ts";

export type RecordProcessorContract = {
  commands: {
    bind: Command<undefined, ProcessorBound>;
    /** Starts loading the tokenizer while the dataset service synthesises. */
    preload: Command<TokenizerPreload, { loading: boolean }>;
    configure: Command<v.InferInput<typeof ProcessorConfig>, { configured: boolean }>;
    stats: Command<undefined, ProcessorStats>;
  };
  events: None;
  broadcasts: None;
};
