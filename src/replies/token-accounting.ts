/**
 * The record processor's part of token-accounting reconciliation (src/metrics/reconcile.ts): the
 * tokenizer's count kept aside, the first chunk's tokens, per-chunk token counts from cumulative
 * per-chunk usage, and the output cap the request asked for.
 */
import type { TokenAccounting } from "../records/record.ts";
import type { Counter } from "./counter.ts";
import type { ParsedResponse } from "./openai-parse.ts";

/**
 * Tokens per content chunk when every content chunk carries a cumulative `completion_tokens`
 * (vLLM `stream_options.continuous_usage_stats`); undefined when any lacks it or it ever falls.
 */
function perChunkTokens(responses: readonly ParsedResponse[]): number[] | undefined {
  const out: number[] = [];
  let previous = 0;
  for (const r of responses) {
    const cumulative = r.usage?.completionTokens;
    if (cumulative === null || cumulative === undefined || cumulative < previous) return undefined;
    out.push(cumulative - previous);
    previous = cumulative;
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The accounting block of a token-producing reply; `tokenizerTokens` is output + reasoning as
 * counted, `serverTokens` the reply's usage.completion_tokens. The first chunk's tokens come from
 * per-chunk usage; else, when the server's total is at most one more than the chunk count (one
 * token per chunk, plus a billed end-of-sequence), 1; else the tokenizer's count of that chunk's
 * text — so a tokenizer that differs from the model's cannot invent multi-token chunks.
 */
export function accountTokens(
  responses: readonly ParsedResponse[],
  counter: Counter,
  tokenizerTokens: number | null,
  requestedTokens: number | null | undefined,
  serverTokens: number | null = null,
): TokenAccounting {
  const chunkTokens = perChunkTokens(responses);
  let first: number | null = chunkTokens?.[0] ?? null;
  if (chunkTokens === undefined && serverTokens !== null && serverTokens <= responses.length + 1) first = 1;
  else if (chunkTokens === undefined) {
    const r = responses[0];
    const text = r !== undefined && r.kind === "text" ? r.reasoning + r.text : "";
    first = text === "" ? null : counter.count(text);
  }
  const out: TokenAccounting = { tokenizerTokens, firstChunkTokens: first };
  if (chunkTokens !== undefined) out.chunkTokens = chunkTokens;
  if (requestedTokens !== undefined && requestedTokens !== null) out.requestedTokens = requestedTokens;
  return out;
}

const CAP = /"(?:max_completion_tokens|max_tokens|max_output_tokens|max_new_tokens)"\s*:\s*(\d+)/;
/** Bytes read from the end of the body first: the cap follows the (long) prompt in our bodies. */
const TAIL_BYTES = 4096;

/**
 * The output cap a request body names (OpenAI, Anthropic, Responses, TGI spellings), or null.
 * Escaped quotes inside prompt text never match, so only a real field counts.
 */
export function requestedOutputTokens(body: Uint8Array | string): number | null {
  if (typeof body === "string") return capOf(body);
  const decoder = new TextDecoder();
  if (body.byteLength > TAIL_BYTES) {
    const tail = capOf(decoder.decode(body.subarray(body.byteLength - TAIL_BYTES)));
    if (tail !== null) return tail;
  }
  return capOf(decoder.decode(body));
}

function capOf(text: string): number | null {
  const m = CAP.exec(text);
  return m?.[1] === undefined ? null : Number(m[1]);
}
