/** Role "records": gathers the parsed records (or parses the raw ones itself), summarises them and writes the exports. */
import type * as v from "valibot";
import type { RecordsLive } from "../live-stats.ts";
import type { TokenizerPreload } from "../record-processor-config.ts";
import type { FinalizeRequest, RecordsConfig } from "../records-config.ts";
import type { RecordsSummary } from "../records-summary.ts";
import type { Broadcasts } from "./broadcasts.ts";
import type { Command } from "./contract.ts";

/** Event "records_progress": records processed so far, for the progress bar. */
export type RecordsProgress = { processed: number; expected?: number };

export type RecordsContract = {
  commands: {
    /**
     * Binds the PULL record processors push to; with `raw`, also the PULL workers push raw batches
     * to, parsed here (no record-processor process: "configure" then carries `replies`).
     */
    bind: Command<{ raw?: boolean } | undefined, { endpoint: string; rawEndpoint?: string }>;
    /** Starts loading the tokenizer while the dataset service synthesises (when this service parses). */
    preload: Command<TokenizerPreload, { loading: boolean }>;
    configure: Command<v.InferInput<typeof RecordsConfig>, Record<string, never>>;
    finalize: Command<v.InferInput<typeof FinalizeRequest>, RecordsSummary>;
  };
  events: { records_progress: RecordsProgress; records_live: RecordsLive };
  broadcasts: Pick<Broadcasts, "phase_start">;
};
