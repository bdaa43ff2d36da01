/** Role "records": gathers the parsed records, summarises them and writes the exports. */
import type * as v from "valibot";
import type { RecordsLive } from "../live-stats.ts";
import type { FinalizeRequest, RecordsConfig } from "../records-config.ts";
import type { RecordsSummary } from "../records-summary.ts";
import type { Broadcasts } from "./broadcasts.ts";
import type { Command } from "./contract.ts";

/** Event "records_progress": records processed so far, for the progress bar. */
export type RecordsProgress = { processed: number; expected?: number };

export type RecordsContract = {
  commands: {
    /** Binds the PULL record processors push to. */
    bind: Command<undefined, { endpoint: string }>;
    configure: Command<v.InferInput<typeof RecordsConfig>, Record<string, never>>;
    finalize: Command<v.InferInput<typeof FinalizeRequest>, RecordsSummary>;
  };
  events: { records_progress: RecordsProgress; records_live: RecordsLive };
  broadcasts: Pick<Broadcasts, "phase_start">;
};
