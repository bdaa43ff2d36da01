/**
 * The dataset service's file path (--input-file / --public-dataset): stream the file through its
 * format's loader, turn every turn into its request body (request-body.ts) and count its input
 * tokens with the run's tokenizer (trace prompts synthesised from input_length carry that length
 * instead: re-counting a million prompts would take minutes), and write each body to dataset.bin
 * at once; only the fixed-size index stays in memory. Hash-id trace prompts come as byte ranges
 * and their bodies are spliced (splice-body.ts) and stored as recipes: spans into the escaped
 * corpus, written into dataset.bin once, and the skeleton's pieces (dataset-file.ts). inputs.json is in
 * serving order (conversations sorted by their first timestamp): written in the same pass while
 * the file is in that order (inputs-in-order.ts), else afterwards from dataset.bin.
 */
import { isRanking } from "../../endpoints/capabilities.ts";
import { createPromptGenerator, createRng, deriveSeed, readBuiltinCorpus, corpusIds } from "../../dataset/synthetic/index.ts";
import {
  type Conversation,
  type DatasetFormat,
  type LoaderContext,
  loadDataset,
  payloadTexts,
  streamDataset,
  type TextSpans,
  type Turn,
} from "../../dataset/loaders/index.ts";
import type { DatasetConfig } from "../../protocol/dataset-config.ts";
import { createDatasetWriter, type DatasetConversation, type DatasetTurn } from "../../protocol/dataset-file.ts";
import type { Tokenizer } from "../../tokenizer/index.ts";
import { type InputsEntry, writeInputsJsonFromDataset } from "./inputs-file.ts";
import { requestBody } from "./request-body.ts";
import { createInputsThread } from "./inputs-thread.ts";
import { createBodySplicer, type Skeleton, SPLICEABLE } from "./splice-body.ts";
import { createOslSampler, createSessionIds } from "./synthesize.ts";
import { createModelSelector } from "./synthetic-extras.ts";
import { createLoopTurns } from "../../runtime/loop-turns.ts";

type BuiltDataset = { conversations: DatasetConversation[]; inputs: InputsEntry[]; turns: number };

function loaderContext(path: string, tokenizer: Tokenizer, cfg: DatasetConfig, seed: number): LoaderContext {
  let corpus: Promise<Uint32Array> | undefined;
  const corpusOnce = (): Promise<Uint32Array> => (corpus ??= readBuiltinCorpus().then((text) => corpusIds(text, tokenizer)));
  let prompts: ReturnType<typeof createPromptGenerator> | undefined;
  return {
    path,
    tokenizer,
    corpus: corpusOnce,
    prompts: async () => (prompts ??= createPromptGenerator(tokenizer, await corpusOnce(), createRng(deriveSeed(seed, "prompts")))),
    blockSize: cfg.blockSize,
    conversationNum: cfg.conversationNum,
    seed,
    oslSet: cfg.osl !== null,
    sessionId: createSessionIds(seed),
  };
}

/** The whole file in memory (tests, small files); the service streams with writeFileDataset. */
export async function loadFileConversations(
  format: DatasetFormat,
  path: string,
  tokenizer: Tokenizer,
  cfg: DatasetConfig,
  seed: number,
): Promise<Conversation[]> {
  return loadDataset(format, loaderContext(path, tokenizer, cfg, seed));
}

/**
 * Streams `path` into cfg.datasetPath (dataset.bin) and cfg.inputsJsonPath (inputs.json, in the
 * same pass while the trace is in serving order, else read back from dataset.bin). Bad input
 * throws a DatasetInputError and leaves neither file behind. The times are for the benchmark:
 * until dataset.bin is complete, and the wait for inputs.json after that.
 */
export async function writeFileDataset(
  format: DatasetFormat,
  path: string,
  tokenizer: Tokenizer,
  cfg: DatasetConfig,
  seed: number,
): Promise<{ conversations: number; turns: number; datasetMs: number; inputsMs: number }> {
  const t0 = performance.now();
  const ctx = loaderContext(path, tokenizer, cfg, seed);
  const build = createTurnBuilder(tokenizer, cfg, seed, true);
  const writer = createDatasetWriter(cfg.datasetPath);
  const inputs = createInputsThread(cfg.inputsJsonPath);
  const bySession = new Map<string, number>();
  const encoder = new TextEncoder();
  let scratch = new Uint8Array(1 << 16);
  const turnsOf: number[] = [];
  // The corpus of the last spliced text (a trace's prompts share one).
  let lastCorpus: Uint8Array | undefined;
  let written: { conversations: number; turns: number };
  // The heartbeat must keep going while a big file loads (a busy service is not a dead one).
  const turn = createLoopTurns();
  try {
    for await (const piece of streamDataset(format, ctx)) {
      let c = piece.session === undefined ? undefined : bySession.get(piece.session);
      if (c === undefined) {
        const id = piece.session ?? ctx.sessionId();
        c = writer.conversation(id);
        if (piece.session !== undefined) bySession.set(piece.session, c);
        turnsOf.push(0);
        inputs.conversation(c, id, piece.turns[0]?.timestamp);
      }
      for (const turn of piece.turns) {
        const index = turnsOf[c] ?? 0;
        turnsOf[c] = index + 1;
        const built = build(turn, index);
        if ("skeleton" in built) {
          // The buffer the text's ranges are in (hash-blocks.ts: the escaped corpus, shared by
          // every prompt) goes into dataset.bin once; each body then stores spans into it.
          const corpus = built.text.bytes;
          if (corpus !== lastCorpus) writer.corpus(corpus);
          lastCorpus = corpus;
          writer.turnSpliced(c, built.skeleton.body, built.text, built.stored);
          inputs.payload(c, { pieces: built.skeleton.indented, text: built.text });
          continue;
        }
        const { json, stored } = built;
        // One scratch buffer for every body: the writer copies it out at once.
        if (scratch.length < json.length * 3) scratch = new Uint8Array(json.length * 6);
        const { written: length } = encoder.encodeInto(json, scratch);
        writer.turn(c, { ...stored, body: scratch.subarray(0, length) });
        inputs.payload(c, scratch.subarray(0, length));
      }
      // inputs.json's writes in flight: wait when too many are (bounded memory).
      const wait = inputs.ready() ?? turn();
      if (wait !== null) await wait;
    }
    written = writer.close({ sortByTimestamp: true });
  } catch (error) {
    writer.abort();
    await inputs.abort();
    throw error;
  }
  const t1 = performance.now();
  const inOrder = await inputs.finish();
  if (!inOrder) await writeInputsJsonFromDataset(cfg.inputsJsonPath, cfg.datasetPath);
  return { conversations: written.conversations, turns: written.turns, datasetMs: t1 - t0, inputsMs: performance.now() - t1 };
}

/** Request bodies and ISL for every turn, in memory (tests); models round robin over turns. */
export function buildFileDataset(loaded: Conversation[], tokenizer: Tokenizer, cfg: DatasetConfig, seed: number): BuiltDataset {
  const build = createTurnBuilder(tokenizer, cfg, seed);
  const encoder = new TextEncoder();
  const conversations: DatasetConversation[] = [];
  const inputs: InputsEntry[] = [];
  let turns = 0;
  for (const conversation of loaded) {
    const built = conversation.turns.map((turn, index) => build(turn, index) as WholeTurn);
    turns += built.length;
    conversations.push({ id: conversation.sessionId, turns: built.map((b) => ({ ...b.stored, body: encoder.encode(b.json) })) });
    inputs.push({ session_id: conversation.sessionId, payloads: built.map((b) => b.body) });
  }
  return { conversations, inputs, turns };
}

type Stored = Omit<DatasetTurn, "body">;
type WholeTurn = { body: Record<string, unknown>; json: string; stored: Stored };

/**
 * One turn's body (object and JSON text) and stored record; `index` is its place in its conversation. Models go round
 * robin (or at random, seeded: --model-selection-strategy) over the turns in the order they are built (file order, when streaming), as do sampled
 * --osl values for turns that name no max_tokens. With `splice`, a turn carrying its text as
 * byte ranges (Turn.textSpans) gets its body as a skeleton for that text instead (splice-body.ts): same bytes.
 */
function createTurnBuilder(
  tokenizer: Tokenizer,
  cfg: DatasetConfig,
  seed: number,
  splice = false,
): (turn: Turn, index: number) => WholeTurn | { skeleton: Skeleton; text: TextSpans; stored: Stored } {
  const maxTokens = createOslSampler(seed, cfg);
  const splicer = splice && SPLICEABLE.has(cfg.endpointType) ? createBodySplicer() : null;
  // --model-selection-strategy, drawn once per turn (a turn naming its own model keeps it).
  const nextModel = createModelSelector(cfg.model, cfg.synthetic.modelSelection, seed, cfg.synthetic.modelWeights);
  // The splicer's key for model, role and text name: rebuilt only when one of them changes.
  let last: [string, string, string | undefined, string] = ["", "", undefined, ""];
  const keyOf = (m: string, role: string, name: string | undefined): string => {
    if (m !== last[0] || role !== last[1] || name !== last[2]) last = [m, role, name, `${m}\n${role}\n${name}`];
    return last[3];
  };
  return (turn, index) => {
    const model = nextModel();
    const max = turn.payload === undefined ? (turn.maxTokens ?? maxTokens()) : null;
    // With textSpans, the first text's one content is the turn's only text (Turn.textSpans); its
    // string is not read on the spliced path (a trace loader may build it lazily).
    const text = turn.texts[0];
    const spans = turn.textSpans;
    const skeleton =
      splicer !== null &&
      spans !== undefined &&
      turn.payload === undefined &&
      turn.texts.length === 1 &&
      text !== undefined &&
      turn.images.length === 0 &&
      turn.audios.length === 0
        ? splicer(keyOf(turn.model ?? model, turn.role ?? "\u0001", text.name), max, (marker) =>
            bodyOf({ ...turn, texts: [{ name: text.name, contents: [marker] }] }, cfg, model, max),
          )
        : null;
    const body = skeleton !== null ? null : (turn.payload ?? bodyOf(turn, cfg, model, max));
    const texts = (): string[] => (turn.payload === undefined ? turn.texts.flatMap((t) => t.contents) : payloadTexts(turn.payload));
    const inputTokens = turn.inputTokens ?? texts().reduce((n, text) => n + tokenizer.count(text), 0);
    // A first turn has nothing to wait for; later ones wait after the previous reply (§4.7).
    // --ignore-trace-delays drops delays and timestamps; --replay-speedup divides them, then
    // --inter-turn-delay-cap-seconds caps the delay.
    const timing = cfg.upstream.traceTiming;
    const recorded = timing.ignoreDelays || index === 0 ? 0 : ((turn.delay ?? 0) * cfg.turnDelayRatio) / timing.speedup;
    const delayMs = timing.delayCapMs === null ? recorded : Math.min(recorded, timing.delayCapMs);
    const stored: Stored = { inputTokens, delayMs };
    if (turn.timestamp !== undefined && !timing.ignoreDelays) stored.timestampMs = turn.timestamp / timing.speedup;
    return body === null ? { skeleton: skeleton as Skeleton, text: spans as TextSpans, stored } : { body, json: JSON.stringify(body), stored };
  };
}

function bodyOf(turn: Turn, cfg: DatasetConfig, model: string, maxTokens: number | null): Record<string, unknown> {
  // Rankings want the query first: texts named "query" lead, the others are the passages.
  const named = isRanking(cfg.endpointType) ? [...turn.texts].sort((a, b) => Number(b.name === "query") - Number(a.name === "query")) : turn.texts;
  return requestBody(
    {
      model: turn.model ?? model,
      texts: named.flatMap((t) => t.contents),
      maxTokens,
      ...(turn.images.length > 0 ? { images: turn.images.flatMap((m) => m.contents) } : {}),
      ...(turn.audios.length > 0 ? { audios: turn.audios.flatMap((m) => m.contents) } : {}),
      ...(turn.role === undefined ? {} : { role: turn.role }),
      // The template endpoint's query/passages variables come from the texts' names.
      ...(turn.texts.some((t) => t.name !== undefined && t.name !== "") ? { textsByName: textsByName(turn.texts) } : {}),
    },
    cfg,
  );
}

function textsByName(texts: Turn["texts"]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of texts) if (t.name) (out[t.name] ??= []).push(...t.contents);
  return out;
}
