/**
 * The dataset service: on "configure" it synthesises the conversations (upstream §3.3), stores
 * each turn as its ready request body in dataset.bin for workers and record processors to map,
 * writes inputs.json, then idles.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as v from "valibot";
import { markLoaded } from "../../core/loaded.ts";
import { DatasetConfig, type DatasetConfigured } from "../../protocol/dataset-config.ts";
import { type DatasetConversation, writeDatasetFile } from "../../protocol/dataset-file.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { resolveTokenizer } from "../../tokenizer/index.ts";
import { requestBody } from "./request-body.ts";
import { createSynthesizer } from "./synthesize.ts";

markLoaded("role:dataset");

/** Rankings turns carry a query and passages; synthetic ones get this many passages. */
const RANKING_PASSAGES = 2;

export async function run(ctx: ServiceContext): Promise<void> {
  ctx.handle("configure", async (payload): Promise<DatasetConfigured> => {
    const cfg = v.parse(DatasetConfig, payload);
    const t0 = performance.now();
    const tokenizer = await resolveTokenizer(cfg.tokenizer ?? undefined, { model: cfg.model[0], onFallback: (m) => ctx.log.warn(m) });
    const synth = await createSynthesizer(tokenizer, cfg);
    const encoder = new TextEncoder();
    const conversations: DatasetConversation[] = [];
    const inputs: { session_id: string; payloads: unknown[] }[] = [];
    const textsPerTurn = cfg.endpointType === "rankings" ? 1 + RANKING_PASSAGES : 1;
    let turnCounter = 0;
    for (let c = 0; c < cfg.conversationNum; c++) {
      const id = synth.sessionId();
      const texts = Array.from({ length: textsPerTurn }, () => synth.prompt());
      // Models are assigned round robin over the turn counter (upstream's default strategy).
      const model = cfg.model[turnCounter++ % cfg.model.length] as string;
      const body = requestBody({ model, texts: texts.map((t) => t.text), maxTokens: synth.maxTokens() }, cfg);
      const inputTokens = texts.reduce((n, t) => n + t.tokens, 0);
      conversations.push({ id, turns: [{ body: encoder.encode(JSON.stringify(body)), inputTokens }] });
      inputs.push({ session_id: id, payloads: [body] });
    }
    writeDatasetFile(cfg.datasetPath, conversations);
    mkdirSync(dirname(cfg.inputsJsonPath), { recursive: true });
    writeFileSync(cfg.inputsJsonPath, JSON.stringify({ data: inputs }, null, 2));
    ctx.log.debug(`Synthesised ${conversations.length} conversations with tokenizer ${tokenizer.name} in ${(performance.now() - t0).toFixed(0)} ms`);
    return { conversations: conversations.length, turns: conversations.length, tokenizer: tokenizer.name };
  });
  await untilStopped(ctx.signal);
}
