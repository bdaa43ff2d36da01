/**
 * Role "record-processor": parses raw captures from workers into RequestRecords (SSE/JSON per
 * endpoint type, content-bearing responses, token counts) and pushes them to the records service.
 * Commands: "bind" → ProcessorBound; "configure" (ProcessorConfig) → { configured: true };
 * "stats" → ProcessorStats.
 */
import { type BusSocket, createSocket } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import { type ProcessorBound, type ProcessorStats, parseProcessorConfig } from "../../protocol/record-processor-config.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { type CounterResolver, tokenizerResolver } from "./counter.ts";
import { ProcessorEngine } from "./engine.ts";

markLoaded("role:record-processor");

const IDLE_STATS: ProcessorStats = { raw: 0, records: 0, errors: 0, batches: 0 };

export function run(ctx: ServiceContext): Promise<void> {
  return runRecordProcessor(ctx, tokenizerResolver);
}

export async function runRecordProcessor(ctx: ServiceContext, resolve: CounterResolver): Promise<void> {
  let pull: BusSocket | undefined;
  let engine: ProcessorEngine | undefined;
  ctx.handle("bind", (): ProcessorBound => {
    if (pull !== undefined) throw new Error(`${ctx.name} is already bound`);
    // Messages that arrive before "configure" wait in the socket (it stops reading when full).
    pull = createSocket("PULL", { name: `${ctx.name} raw` });
    return { endpoint: pull.bind(ctx.bindAddress("raw")) };
  });
  ctx.handle("configure", async (payload) => {
    if (pull === undefined) throw new Error(`${ctx.name}: configure before bind`);
    if (engine !== undefined) throw new Error(`${ctx.name} is already configured`);
    const config = parseProcessorConfig(payload);
    // The tokenizer starts loading here but is not waited for: loading a vocabulary takes
    // 0.3-0.6 s of CPU, and the first record arrives a whole request later, so the run's first
    // request need not wait for it (the engine waits before it parses). The dataset service
    // loaded the same tokenizer already, so a failure here is rare; it makes each record an error.
    const counter = Promise.resolve().then(() =>
      resolve(config.tokenizer, {
        model: config.model,
        revision: config.tokenizerRevision,
        onFallback: (message) => ctx.log.warn(message),
      }),
    );
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
