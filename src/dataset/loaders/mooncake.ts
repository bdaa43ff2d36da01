/**
 * mooncake_trace JSONL (§3.2): `input_length` (synthesised prompt, from `hash_ids` blocks when
 * given) or `text_input` (sent verbatim), `output_length` → max_tokens, optional `timestamp` /
 * `delay` (ms) and `session_id` (lines sharing one form a multi-turn conversation).
 */
import { formatHint } from "./format-hint.ts";
import type { LoaderContext, Piece } from "./context.ts";
import { createHashBlocks, finalBlockSize, type HashBlocks } from "./hash-blocks.ts";
import { readJsonLineBatches } from "./lines.ts";
import { DatasetInputError, type Media, type Turn } from "./model.ts";
import { readTiming, sessionIdOf } from "./fields.ts";

const FIELDS = new Set(["timestamp", "input_length", "text_input", "output_length", "hash_ids", "delay", "session_id"]);

export async function* loadMooncakeTrace(ctx: LoaderContext): AsyncGenerator<Piece> {
  let blocks: HashBlocks | undefined;
  // The line being read, for errors (one function for all lines).
  let line = 0;
  const fail = (what: string): never => {
    throw new DatasetInputError(ctx.path, line, what);
  };
  for await (const batch of readJsonLineBatches(ctx.path)) {
    for (const entry of batch) {
      const value = entry.value;
      line = entry.line;
      for (const key in value) if (!FIELDS.has(key)) fail(`unknown field "${key}" (allowed: ${[...FIELDS].join(", ")})${formatHint(key, "mooncake_trace")}`);
      const { input_length: inputLength, text_input: textInput, output_length: outputLength, hash_ids: hashIds } = value;
      if (inputLength !== undefined && textInput !== undefined) fail('"input_length" and "text_input" cannot both be given');
      const turn: Turn = { texts: [], images: [], audios: [] };
      if (textInput !== undefined) {
        if (typeof textInput !== "string") fail('"text_input" must be a string');
        if (hashIds !== undefined) fail('"hash_ids" needs "input_length", not "text_input"');
        turn.texts.push({ name: "", contents: [textInput as string] });
      } else if (inputLength === undefined) {
        fail('needs "input_length" or "text_input"');
      } else {
        if (!Number.isInteger(inputLength) || (inputLength as number) < 1) fail('"input_length" must be a whole number ≥ 1');
        const length = inputLength as number;
        if (hashIds !== undefined && hashIds !== null) {
          if (!Array.isArray(hashIds) || hashIds.length === 0 || !allIntegers(hashIds)) fail('"hash_ids" must be a non-empty list of whole numbers');
          const ids = hashIds as number[];
          const final = finalBlockSize(length, ids.length, ctx.blockSize);
          if (typeof final === "string") fail(final);
          blocks ??= createHashBlocks(ctx.tokenizer, await ctx.corpus(), ctx.blockSize, ctx.seed);
          // A spliced body never reads the text: with spans it is built only if something asks.
          const spans = blocks.promptSpans(ids, final as number);
          if (spans !== null) {
            turn.textSpans = spans;
            turn.texts.push(new LazyText(blocks, ids, final as number));
          } else turn.texts.push({ name: "", contents: [blocks.prompt(ids, final as number)] });
          // The prompt is exactly input_length corpus ids (decoded block by block).
          turn.inputTokens = length;
        } else {
          turn.texts.push({ name: "", contents: [(await ctx.prompts()).promptOfTokens(length)] });
          turn.inputTokens = length;
        }
      }
      if (outputLength !== undefined && outputLength !== null) {
        if (!Number.isInteger(outputLength) || (outputLength as number) < 1) fail('"output_length" must be a whole number ≥ 1');
        turn.maxTokens = outputLength as number;
      }
      readTiming(value, turn, fail);
      yield { session: sessionIdOf(value, { file: ctx.path, line }), turns: [turn] };
    }
  }
}

function allIntegers(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isInteger(values[i])) return false;
  return true;
}

/**
 * A prompt whose text is made on its first read (then kept), from blocks already drawn: the
 * spliced path never reads it. A class, so a million of them share one getter rather than each
 * carrying its own pair of closures; `contents` is read and written as on any Media.
 */
class LazyText implements Media {
  name = "";
  #blocks: HashBlocks;
  #ids: readonly number[];
  #final: number;
  #contents: string[] | undefined;
  constructor(blocks: HashBlocks, ids: readonly number[], final: number) {
    this.#blocks = blocks;
    this.#ids = ids;
    this.#final = final;
  }
  get contents(): string[] {
    this.#contents ??= [this.#blocks.prompt(this.#ids, this.#final)];
    return this.#contents;
  }
  set contents(value: string[]) {
    this.#contents = value;
  }
}
