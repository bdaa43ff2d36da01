/**
 * The dataset service: on "configure" it synthesises the conversations (upstream §3.3), stores
 * each turn as its ready request body in dataset.bin for workers and record processors to map,
 * writes inputs.json, then idles.
 */
import * as v from "valibot";
import { markLoaded } from "../../core/loaded.ts";
import { DatasetInputError } from "../../dataset/loaders/model.ts";
import { randomSeed } from "../../dataset/synthetic/index.ts";
import { DatasetConfig, type DatasetConfigured } from "../../protocol/dataset-config.ts";
import { createDatasetWriter } from "../../protocol/dataset-file.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { BenchError } from "../../core/errors.ts";
import { createLoopTurns } from "../../runtime/loop-turns.ts";
import { resolveTokenizer, type Tokenizer } from "../../tokenizer/index.ts";
import { writeInputsJsonFromDataset } from "./inputs-file.ts";
import { createSynthesizer } from "./synthesize.ts";

markLoaded("role:dataset");

export async function run(ctx: ServiceContext<"dataset">): Promise<void> {
  // A synthetic dataset's inputs.json is written when the controller asks "inputs" (right after
  // configure has answered, while it configures the other services), or at shutdown if nobody asked;
  // the write is mostly synchronous, so starting it inside configure would delay the answer by it.
  // An input file's is written within configure (from-file.ts).
  let writeInputs: (() => Promise<void>) | undefined;
  let inputsWritten: Promise<void> | undefined;
  const inputs = (): Promise<void> => (inputsWritten ??= writeInputs?.() ?? Promise.resolve());
  ctx.handle("configure", async (payload): Promise<DatasetConfigured> => {
    const parsed = v.parse(DatasetConfig, payload);
    const cfg = { ...parsed, randomSeed: parsed.randomSeed ?? randomSeed() };
    const t0 = performance.now();
    let tokenizer: Tokenizer;
    try {
      tokenizer = await resolveTokenizer(cfg.tokenizer ?? undefined, {
        model: cfg.model[0],
        revision: cfg.upstream.tokenizerRevision,
        onFallback: (m) => ctx.log.warn(m),
      });
    } catch (error) {
      // A bad --tokenizer is the user's to fix: reported as a config error, not a service failure.
      if (error instanceof BenchError && error.code === "CONFIG_INVALID")
        return { conversations: 0, turns: 0, tokenizer: "", error: error.message, errorHint: error.hint, errorSource: "tokenizer" };
      throw error;
    }
    if (cfg.inputFile !== null && cfg.datasetFormat !== null) {
      try {
        const t1 = performance.now();
        // Loaded only for an input file: the loaders are most of this role's code, and a synthetic
        // run's dataset (on the first request's critical path) would evaluate them for nothing.
        const { writeFileDataset } = await import("./from-file.ts");
        const written = await writeFileDataset(cfg.datasetFormat, cfg.inputFile, tokenizer, cfg, cfg.randomSeed);
        const ms = (from: number, to: number): string => `${(to - from).toFixed(0)} ms`;
        ctx.log.debug(
          `Loaded ${written.conversations} conversations (${written.turns} turns) from ${cfg.inputFile} as ${cfg.datasetFormat} in ${ms(t0, performance.now())}: tokenizer ${ms(t0, t1)}, dataset.bin ${ms(0, written.datasetMs)}, then inputs.json ${ms(0, written.inputsMs)}`,
        );
        return { conversations: written.conversations, turns: written.turns, tokenizer: tokenizer.name };
      } catch (error) {
        // Bad input is the user's to fix: reported as a config error, not a service failure.
        if (error instanceof DatasetInputError) return { conversations: 0, turns: 0, tokenizer: tokenizer.name, error: error.message };
        throw error;
      }
    }
    const tTokenizer = performance.now();
    const synth = await createSynthesizer(tokenizer, cfg);
    const tCorpus = performance.now();
    const encoder = new TextEncoder();
    // Texts per turn come from -b and --rankings-* (turn-shape.ts).
    const textsPerTurn = 1;
    let turnCounter = 0;
    // Each body goes to dataset.bin as it is made (bounded memory); inputs.json is read back from it.
    const writer = createDatasetWriter(cfg.datasetPath);
    // Heartbeats keep going while a large --conversation-num is synthesised.
    const loopTurn = createLoopTurns();
    try {
      for (let c = 0; c < cfg.conversationNum; c++) {
        const wait = loopTurn();
        if (wait !== null) await wait;
        const conversation = writer.conversation(synth.sessionId());
        const count = synth.turns();
        const session = synth.session();
        for (let t = 0; t < count; t++) {
          // A body the endpoint cannot build from real data (a template's output) is a config error too.
          const built = catchInputError(() => synth.turn(t === 0, textsPerTurn, session));
          if ("error" in built) {
            writer.abort();
            return { conversations: 0, turns: 0, tokenizer: tokenizer.name, error: built.error };
          }
          const { body, inputTokens } = built.value;
          turnCounter++;
          writer.turn(conversation, { body: encoder.encode(JSON.stringify(body)), inputTokens, delayMs: t === 0 ? 0 : synth.turnDelayMs() });
        }
      }
      writer.close();
    } catch (error) {
      writer.abort();
      throw error;
    }
    const tBodies = performance.now();
    const ms = (from: number, to: number): string => `${(to - from).toFixed(0)} ms`;
    ctx.log.debug(
      `Synthesised ${cfg.conversationNum} conversations with tokenizer ${tokenizer.name} in ${ms(t0, tBodies)}: tokenizer ${ms(t0, tTokenizer)}, corpus ${ms(tTokenizer, tCorpus)}, turns and dataset.bin ${ms(tCorpus, tBodies)}`,
    );
    // dataset.bin is complete: the answer goes now; inputs.json is read back from it when asked.
    writeInputs = async () => {
      const tStart = performance.now();
      await writeInputsJsonFromDataset(cfg.inputsJsonPath, cfg.datasetPath);
      ctx.log.debug(`inputs.json written in ${ms(tStart, performance.now())}`);
    };
    return { conversations: cfg.conversationNum, turns: turnCounter, tokenizer: tokenizer.name };
  });
  ctx.handle("inputs", async () => {
    await inputs();
    return { written: true };
  });
  await untilStopped(ctx.signal);
  // Written even if nobody asked, and a write under way finishes before the role ends: a cut
  // inputs.json would be invalid JSON.
  await inputs().catch((error: unknown) => ctx.log.warn(`inputs.json not written: ${error instanceof Error ? error.message : String(error)}`));
}

/** `f()`'s value, or the message of the DatasetInputError it threw; anything else is rethrown. */
function catchInputError<T>(f: () => T): { value: T } | { error: string } {
  try {
    return { value: f() };
  } catch (error) {
    if (error instanceof DatasetInputError) return { error: error.message };
    throw error;
  }
}
