/**
 * Role "record-processor": parses raw captures from workers into RequestRecords (SSE/JSON per
 * endpoint type, content-bearing responses, token counts) and pushes them to the records service.
 * Commands: "bind" → ProcessorBound; "preload" (TokenizerPreload) → { loading: true };
 * "configure" (ProcessorConfig) → { configured: true }; "stats" → ProcessorStats.
 */
import { type BusSocket, createSocket } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import { type ProcessorBound, type ProcessorStats, parseProcessorConfig, parseTokenizerPreload } from "../../protocol/record-processor-config.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { type Counter, type CounterResolver, tokenizerResolver } from "./counter.ts";
import { ProcessorEngine } from "./engine.ts";

markLoaded("role:record-processor");

/** The longest a tokenizer may take to load (a big tokenizer.json on a busy machine). */
const TOKENIZER_LOAD_MS = 60_000;
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
  // The tokenizer can start loading while the dataset service synthesises (it loads one too):
  // on two cores the two loads run side by side instead of one after the other.
  let preloaded: Promise<{ name: string | undefined; counter: Counter } | undefined> | undefined;
  ctx.handle("preload", (payload) => {
    const { tokenizer, model, revision } = parseTokenizerPreload(payload);
    preloaded ??= (async () => {
      // Loading blocks this loop for a while: said first, so the heartbeat watch allows for it.
      await ctx.busy?.(TOKENIZER_LOAD_MS);
      try {
        // The dataset service warns about a fallback; this load of the same tokenizer stays quiet.
        const counter = await resolve(tokenizer ?? undefined, { model, revision, onFallback: (m) => ctx.log.debug(m) });
        return { name: (counter as { name?: string }).name, counter };
      } catch {
        return undefined; // configure loads again and reports the error
      } finally {
        void ctx.busy?.(0);
      }
    })();
    return { loading: true };
  });
  ctx.handle("configure", async (payload) => {
    if (pull === undefined) throw new Error(`${ctx.name}: configure before bind`);
    if (engine !== undefined) throw new Error(`${ctx.name} is already configured`);
    const config = parseProcessorConfig(payload);
    // Tokenizers are ready here, before the run starts, as upstream loads them at PROFILE_CONFIGURE:
    // the preloaded one when it is the tokenizer the dataset resolved, else loaded now.
    const early = await preloaded;
    const counter =
      early !== undefined && early.name !== undefined && early.name === config.tokenizer
        ? early.counter
        : await resolve(config.tokenizer, {
            model: config.model,
            revision: config.tokenizerRevision,
            onFallback: (message) => ctx.log.warn(message),
          });
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
