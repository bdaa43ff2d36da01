/**
 * The dataset service: on "configure" it synthesises the conversations (upstream §3.3), stores
 * each turn as its ready request body in dataset.bin for workers and record processors to map,
 * writes inputs.json, then idles.
 */
import { isRanking } from "../../protocol/endpoint-types.ts";
import * as v from "valibot";
import { markLoaded } from "../../core/loaded.ts";
import { DatasetInputError } from "../../dataset/loaders/index.ts";
import { randomSeed } from "../../dataset/synthetic/index.ts";
import { DatasetConfig, type DatasetConfigured } from "../../protocol/dataset-config.ts";
import { type DatasetConversation, writeDatasetFile } from "../../protocol/dataset-file.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { resolveTokenizer } from "../../tokenizer/index.ts";
import { buildFileDataset, loadFileConversations } from "./from-file.ts";
import { writeInputsJson } from "./inputs-file.ts";
import { requestBody } from "./request-body.ts";
import { createSynthesizer } from "./synthesize.ts";

markLoaded("role:dataset");

/** Rankings turns carry a query and passages; synthetic ones get this many passages. */
const RANKING_PASSAGES = 2;

export async function run(ctx: ServiceContext): Promise<void> {
  ctx.handle("configure", async (payload): Promise<DatasetConfigured> => {
    const parsed = v.parse(DatasetConfig, payload);
    const cfg = { ...parsed, randomSeed: parsed.randomSeed ?? randomSeed() };
    const t0 = performance.now();
    const tokenizer = await resolveTokenizer(cfg.tokenizer ?? undefined, { model: cfg.model[0], onFallback: (m) => ctx.log.warn(m) });
    if (cfg.inputFile !== null && cfg.datasetFormat !== null) {
      try {
        const loaded = await loadFileConversations(cfg.datasetFormat, cfg.inputFile, tokenizer, cfg, cfg.randomSeed);
        const built = buildFileDataset(loaded, tokenizer, cfg, cfg.randomSeed);
        writeOutputs(cfg, built.conversations, built.inputs);
        ctx.log.debug(`Loaded ${built.conversations.length} conversations (${built.turns} turns) from ${cfg.inputFile} as ${cfg.datasetFormat} in ${(performance.now() - t0).toFixed(0)} ms`);
        return { conversations: built.conversations.length, turns: built.turns, tokenizer: tokenizer.name };
      } catch (error) {
        // Bad input is the user's to fix: reported as a config error, not a service failure.
        if (error instanceof DatasetInputError) return { conversations: 0, turns: 0, tokenizer: tokenizer.name, error: error.message };
        throw error;
      }
    }
    const synth = await createSynthesizer(tokenizer, cfg);
    const encoder = new TextEncoder();
    const conversations: DatasetConversation[] = [];
    const inputs: { session_id: string; payloads: unknown[] }[] = [];
    const textsPerTurn = isRanking(cfg.endpointType) ? 1 + RANKING_PASSAGES : 1;
    let turnCounter = 0;
    for (let c = 0; c < cfg.conversationNum; c++) {
      const id = synth.sessionId();
      const turns: DatasetConversation["turns"] = [];
      const payloads: unknown[] = [];
      const count = synth.turns();
      for (let t = 0; t < count; t++) {
        const texts = Array.from({ length: textsPerTurn }, () => synth.prompt());
        // Models are assigned round robin over the turn counter (upstream's default strategy).
        const model = cfg.model[turnCounter++ % cfg.model.length] as string;
        const body = requestBody({ model, texts: texts.map((x) => x.text), maxTokens: synth.maxTokens() }, cfg);
        const inputTokens = texts.reduce((n, x) => n + x.tokens, 0);
        turns.push({ body: encoder.encode(JSON.stringify(body)), inputTokens, delayMs: t === 0 ? 0 : synth.turnDelayMs() });
        payloads.push(body);
      }
      conversations.push({ id, turns });
      inputs.push({ session_id: id, payloads });
    }
    writeOutputs(cfg, conversations, inputs);
    ctx.log.debug(`Synthesised ${conversations.length} conversations with tokenizer ${tokenizer.name} in ${(performance.now() - t0).toFixed(0)} ms`);
    return { conversations: conversations.length, turns: turnCounter, tokenizer: tokenizer.name };
  });
  await untilStopped(ctx.signal);
}

function writeOutputs(cfg: DatasetConfig, conversations: DatasetConversation[], inputs: { session_id: string; payloads: unknown[] }[]): void {
  writeDatasetFile(cfg.datasetPath, conversations);
  writeInputsJson(cfg.inputsJsonPath, inputs);
}
