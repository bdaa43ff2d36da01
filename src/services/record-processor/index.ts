/**
 * Role "record-processor": parses raw captures from workers into RequestRecords (src/replies/: SSE/JSON
 * per endpoint type, content-bearing responses, token counts) and pushes them to the records service.
 * Runs only when --record-processors is given; by default the records service parses itself.
 * Commands: "bind" → ProcessorBound; "preload" (TokenizerPreload) → { loading: true };
 * "configure" (ProcessorConfig) → { configured: true }; "stats" → ProcessorStats.
 */
import { type BusSocket, createSocket } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import { type ProcessorBound, type ProcessorStats, parseProcessorConfig } from "../../protocol/record-processor-config.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { type CounterResolver, tokenizerResolver } from "../../replies/counter.ts";
import { TokenizerLoad } from "../../replies/tokenizer-load.ts";
import { ProcessorEngine } from "./engine.ts";

markLoaded("role:record-processor");

const IDLE_STATS: ProcessorStats = { raw: 0, records: 0, errors: 0, batches: 0 };

export function run(ctx: ServiceContext<"record-processor">): Promise<void> {
  return runRecordProcessor(ctx, tokenizerResolver);
}

export async function runRecordProcessor(ctx: ServiceContext<"record-processor">, resolve: CounterResolver): Promise<void> {
  let pull: BusSocket | undefined;
  let engine: ProcessorEngine | undefined;
  ctx.handle("bind", (): ProcessorBound => {
    if (pull !== undefined) throw new Error(`${ctx.name} is already bound`);
    // Messages that arrive before "configure" wait in the socket (it stops reading when full).
    pull = createSocket("PULL", { name: `${ctx.name} raw` });
    return { endpoint: pull.bind(ctx.bindAddress("raw")) };
  });
  const tokenizer = new TokenizerLoad(resolve, ctx.log, ctx.busy);
  ctx.handle("preload", (payload) => tokenizer.preload(payload));
  ctx.handle("configure", async (payload) => {
    if (pull === undefined) throw new Error(`${ctx.name}: configure before bind`);
    if (engine !== undefined) throw new Error(`${ctx.name} is already configured`);
    const config = parseProcessorConfig(payload);
    const counter = await tokenizer.counterFor(config);
    const created = new ProcessorEngine(ctx.name, pull, config, counter, ctx.log, ctx.busy);
    engine = created;
    try {
      await created.ready();
    } catch (error) {
      // The records service is unreachable: stay unconfigured (the PULL keeps its queue) for a retry.
      engine = undefined;
      created.stop();
      throw error;
    }
    return { configured: true };
  });
  ctx.handle("stats", (): ProcessorStats => engine?.stats() ?? IDLE_STATS);
  await untilStopped(ctx.signal);
  engine?.stop();
  pull?.close();
}
