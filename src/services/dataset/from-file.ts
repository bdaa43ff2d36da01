/**
 * The dataset service's file path (--input-file / --public-dataset): load the file with its
 * format's loader, then turn every stored turn into its request body (request-body.ts) and
 * count its input tokens with the run's tokenizer (trace prompts synthesised from input_length
 * carry that length instead: re-counting a million prompts would take minutes).
 */
import { isRanking } from "../../protocol/endpoint-types.ts";
import { createPromptGenerator, createRng, deriveSeed, readBuiltinCorpus, tokenizeCorpus } from "../../dataset/synthetic/index.ts";
import { type Conversation, type DatasetFormat, loadDataset, payloadTexts, type Turn } from "../../dataset/loaders/index.ts";
import type { DatasetConfig } from "../../protocol/dataset-config.ts";
import type { DatasetConversation } from "../../protocol/dataset-file.ts";
import type { Tokenizer } from "../../tokenizer/index.ts";
import { requestBody } from "./request-body.ts";
import { createOslSampler, createSessionIds } from "./synthesize.ts";

export type BuiltDataset = { conversations: DatasetConversation[]; inputs: { session_id: string; payloads: unknown[] }[]; turns: number };

export async function loadFileConversations(format: DatasetFormat, path: string, tokenizer: Tokenizer, cfg: DatasetConfig, seed: number): Promise<Conversation[]> {
  let corpus: Promise<Uint32Array> | undefined;
  const corpusOnce = (): Promise<Uint32Array> => (corpus ??= readBuiltinCorpus().then((text) => tokenizeCorpus(text, tokenizer)));
  let prompts: ReturnType<typeof createPromptGenerator> | undefined;
  return loadDataset(format, {
    path,
    tokenizer,
    corpus: corpusOnce,
    prompts: async () => (prompts ??= createPromptGenerator(tokenizer, await corpusOnce(), createRng(deriveSeed(seed, "prompts")))),
    blockSize: cfg.blockSize,
    conversationNum: cfg.conversationNum,
    seed,
    oslSet: cfg.osl !== null,
    sessionId: createSessionIds(seed),
  });
}

/** Request bodies and ISL for every turn; models round robin over turns that name none. */
export function buildFileDataset(loaded: Conversation[], tokenizer: Tokenizer, cfg: DatasetConfig, seed: number): BuiltDataset {
  const encoder = new TextEncoder();
  const maxTokens = createOslSampler(seed, cfg);
  const conversations: DatasetConversation[] = [];
  const inputs: BuiltDataset["inputs"] = [];
  let turnCounter = 0;
  for (const conversation of loaded) {
    const payloads: unknown[] = [];
    const turns = conversation.turns.map((turn, index) => {
      const body = turn.payload ?? bodyOf(turn, cfg, cfg.model[turnCounter % cfg.model.length] as string, maxTokens);
      turnCounter++;
      payloads.push(body);
      const texts = turn.payload === undefined ? turn.texts.flatMap((t) => t.contents) : payloadTexts(turn.payload);
      const inputTokens = turn.inputTokens ?? texts.reduce((n, text) => n + tokenizer.count(text), 0);
      // A first turn has nothing to wait for; later ones wait after the previous reply (§4.7).
      const delayMs = index === 0 ? 0 : (turn.delay ?? 0) * cfg.turnDelayRatio;
      return { body: encoder.encode(JSON.stringify(body)), inputTokens, delayMs, ...(turn.timestamp === undefined ? {} : { timestampMs: turn.timestamp }) };
    });
    conversations.push({ id: conversation.sessionId, turns });
    inputs.push({ session_id: conversation.sessionId, payloads });
  }
  return { conversations, inputs, turns: turnCounter };
}

function bodyOf(turn: Turn, cfg: DatasetConfig, model: string, maxTokens: () => number | null): Record<string, unknown> {
  // Rankings want the query first: texts named "query" lead, the others are the passages.
  const named = isRanking(cfg.endpointType) ? [...turn.texts].sort((a, b) => Number(b.name === "query") - Number(a.name === "query")) : turn.texts;
  return requestBody(
    {
      model: turn.model ?? model,
      texts: named.flatMap((t) => t.contents),
      maxTokens: turn.maxTokens ?? maxTokens(),
      ...(turn.images.length > 0 ? { images: turn.images.flatMap((m) => m.contents) } : {}),
      ...(turn.audios.length > 0 ? { audios: turn.audios.flatMap((m) => m.contents) } : {}),
      ...(turn.role === undefined ? {} : { role: turn.role }),
    },
    cfg,
  );
}
