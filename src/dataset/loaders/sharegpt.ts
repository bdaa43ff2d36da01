/**
 * ShareGPT (`--public-dataset sharegpt`), read from a local copy of
 * ShareGPT_V3_unfiltered_cleaned_split.json given with --input-file; aiperf-bun never downloads.
 * As upstream (vLLM's benchmark rules): the first message is the prompt, the second the
 * completion; entries are kept when the prompt has 4–1024 tokens, the completion ≥ 4 (not
 * checked when --osl is set) and both together ≤ 2048; max_tokens = completion tokens.
 */
import type { LoaderContext, Piece } from "./context.ts";
import { readJsonArray } from "./json-array.ts";
import { DatasetInputError } from "./model.ts";

const SHAREGPT_LIMITS = { minPrompt: 4, maxPrompt: 1024, minCompletion: 4, maxTotal: 2048 } as const;

export async function* loadShareGpt(ctx: LoaderContext): AsyncGenerator<Piece> {
  let entries = 0;
  let kept = 0;
  for await (const { value, line } of readJsonArray(ctx.path)) {
    entries++;
    const messages = (value as { conversations?: unknown } | null)?.conversations;
    if (!Array.isArray(messages)) throw new DatasetInputError(ctx.path, line, 'each entry needs a "conversations" list of {from, value} messages');
    const prompt = (messages[0] as { value?: unknown } | undefined)?.value;
    const completion = (messages[1] as { value?: unknown } | undefined)?.value;
    if (typeof prompt !== "string" || typeof completion !== "string") continue;
    const promptTokens = ctx.tokenizer.count(prompt);
    const completionTokens = ctx.tokenizer.count(completion);
    if (!keep(promptTokens, completionTokens, ctx.oslSet)) continue;
    const turn = { texts: [{ name: "", contents: [prompt] }], images: [], audios: [] };
    kept++;
    yield { session: undefined, turns: [ctx.oslSet ? turn : { ...turn, maxTokens: completionTokens }] };
  }
  if (entries === 0) throw new DatasetInputError(ctx.path, 1, "the file holds no ShareGPT entries");
  if (kept === 0) throw new DatasetInputError(ctx.path, undefined, `none of ${entries} entries passes the ShareGPT length filters`);
}

/** vLLM's ShareGPT filter, as upstream applies it. */
function keep(promptTokens: number, completionTokens: number, oslSet: boolean): boolean {
  const L = SHAREGPT_LIMITS;
  if (promptTokens < L.minPrompt || promptTokens > L.maxPrompt) return false;
  if (!oslSet && completionTokens < L.minCompletion) return false;
  return promptTokens + completionTokens <= L.maxTotal;
}
