/**
 * What the token-accounting reconciliation (reconcile.ts) reports as findings: each check whose
 * counts disagree beyond the bound, with a message saying where and advice saying what to do.
 */

export type ReconcileFinding = { id: string; requests: number; message: string; advice: string };

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

/** What disagrees by more than the bound, and what to do about it. */
export function findings(r: ReconcileReport): ReconcileFinding[] {
  const out: ReconcileFinding[] = [];
  const b = r.boundPct;
  const ts = r.tokenizerVsServer;
  if (ts.disagree > 0) {
    out.push({
      id: "tokenizer_vs_server",
      requests: ts.disagree,
      message: `The tokenizer and the server's usage differ by more than ${b}% in ${ts.disagree} of ${ts.compared} requests (${fmt(ts.diffPct ?? 0)}% over all of them).`,
      advice: "Pass the served model's own tokenizer with --tokenizer, or --use-server-token-count to take OSL and ISL from usage.",
    });
  }
  if (r.multiTokenRequests > 0) {
    const per = r.tokensPerChunk;
    out.push({
      id: "multi_token_chunks",
      requests: r.multiTokenRequests,
      message:
        `${r.multiTokenRequests} of ${r.requests} requests stream chunks that carry more than one token ` +
        `(${per.mean === null ? "?" : fmt(per.mean, 2)} tokens per chunk on average${per.max === null ? "" : `, up to ${per.max}`}; first chunk up to ${per.firstChunkMax}).`,
      advice:
        "Speculative decoding or server-side buffering (e.g. a reasoning or tool parser) packs tokens: inter_chunk_latency is per chunk, not per token. " +
        `inter_token_latency divides by OSL − first-chunk tokens (${r.itlAdjustedRequests} requests adjusted); compare peers' per-chunk ITL with care.`,
    });
  }
  if (r.fewerTokensThanChunks > 0) {
    out.push({
      id: "fewer_tokens_than_chunks",
      requests: r.fewerTokensThanChunks,
      message: `${r.fewerTokensThanChunks} of ${r.requests} requests have fewer counted tokens than content chunks (beyond ${b}%).`,
      advice:
        "The tokenizer merges what the server streamed as separate tokens: pass the served model's tokenizer with --tokenizer, or --use-server-token-count.",
    });
  }
  const rq = r.requestedVsOutput;
  if (rq.short > 0) {
    out.push({
      id: "output_shorter_than_requested",
      requests: rq.short,
      message: `${rq.short} of ${rq.compared} requests stopped short of the requested max tokens (by more than min(5%, 50 tokens)).`,
      advice: "The model hit end-of-sequence: add --extra-inputs ignore_eos:true (vLLM, SGLang, TensorRT-LLM) or min_tokens:<osl> so OSL holds.",
    });
  }
  if (rq.long > 0) {
    out.push({
      id: "output_longer_than_requested",
      requests: rq.long,
      message: `${rq.long} of ${rq.compared} requests returned more tokens than requested.`,
      advice: "The server ignores the output cap, or the tokenizer counts differently: check --use-legacy-max-tokens and --tokenizer.",
    });
  }
  return out;
}

/** The reconciliation over every record so far (TokenReconciler.report() in reconcile.ts). */
export type ReconcileReport = {
  boundPct: number;
  requests: number;
  totals: { tokenizer: number; server: number; chunks: number; requested: number };
  requestsWith: { tokenizer: number; server: number; perChunkUsage: number; requested: number };
  tokensPerChunk: { mean: number | null; max: number | null; firstChunkMax: number };
  multiTokenRequests: number;
  itlAdjustedRequests: number;
  tokenizerVsServer: { compared: number; disagree: number; diffPct: number | null };
  fewerTokensThanChunks: number;
  requestedVsOutput: { compared: number; short: number; long: number };
  findings: ReconcileFinding[];
};
