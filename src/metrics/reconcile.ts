/**
 * Token-accounting reconciliation (beyond upstream; peers.md §3.2, §5 item 5). Per request and
 * over the run, three counts of the same reply side by side: the tokenizer's output tokens
 * (content + reasoning), the server's `usage.completion_tokens`, and the number of content
 * chunks. Where they disagree by more than a bound it says so and what to do.
 *
 * Multi-token chunks: exact when the server streams cumulative usage on every content chunk
 * (vLLM `continuous_usage_stats`): chunk i carries cum[i] − cum[i−1] tokens. Otherwise a request
 * counts as packing tokens when its first chunk holds more than one token, or when its reference
 * count (server usage, else tokenizer) exceeds its chunk count by more than max(1, bound % of the
 * chunks) — the 1 absorbs the end-of-sequence token servers bill but do not stream.
 *
 * ITL divisor: inter_token_latency = (request_latency − TTFT) / (OSL − first_chunk_tokens).
 * The time after the first chunk arrived was spent on the tokens that came after it, so the
 * divisor is OSL minus the tokens that chunk carried: the first chunk's per-chunk usage delta when
 * the server streams it, else the tokenizer's count of that chunk's own text (at least 1). With one
 * token per chunk this is v0.1.1's OSL − 1; with k tokens per chunk the result is the per-token
 * time, where OSL − 1 would understate it by (k − 1) / (OSL − 1).
 */
import type { RequestRecord } from "../records/record.ts";
import { findings, type ReconcileReport } from "./reconcile-findings.ts";

/** Percent by which two counts may differ before a request is called out. */
export const RECONCILE_BOUND_PCT = 10;

/** Tokens of the first content chunk as the ITL divisor uses them (≥ 1). */
function firstChunkTokens(record: RequestRecord): number {
  const n = record.tokens?.firstChunkTokens;
  return n !== null && n !== undefined && n >= 1 ? n : 1;
}

/** The inter_token_latency divisor for a reply of `osl` tokens (may be < 1: no ITL). */
export function itlDivisor(record: RequestRecord, osl: number): number {
  return osl - firstChunkTokens(record);
}

/** One request's three counts and what they imply. */
export type RecordAccounting = {
  tokenizer: number | null;
  server: number | null;
  chunks: number;
  firstChunk: number;
  /** Exact per-chunk figures when per-chunk usage was streamed; null otherwise. */
  maxChunkTokens: number | null;
  multiTokenChunks: number | null;
  requested: number | null;
  /** Evidence that chunks carry more than one token. */
  multiToken: boolean;
  /** The reference count (server, else tokenizer) is below the chunk count by more than the bound. */
  fewerTokensThanChunks: boolean;
  /** |server − tokenizer| / tokenizer × 100, when both are known and the tokenizer's is > 0. */
  serverDiffPct: number | null;
};

/**
 * The accounting of a valid token-producing record; null when it has none. Without streaming a
 * reply is one response, so the chunk checks (multi-token, fewer tokens than chunks) are off.
 */
export function accountRecord(record: RequestRecord, boundPct = RECONCILE_BOUND_PCT, streaming = true): RecordAccounting | null {
  const t = record.tokens;
  const chunks = record.responseNs.length;
  if (t === undefined || chunks === 0 || record.error !== null) return null;
  const server = record.usage?.completionTokens ?? null;
  const tokenizer = t.tokenizerTokens;
  const per = t.chunkTokens;
  const firstChunk = firstChunkTokens(record);
  const ref = server ?? tokenizer;
  const slack = Math.max(1, (chunks * boundPct) / 100);
  const multiTokenChunks = per === undefined ? null : per.filter((n) => n > 1).length;
  const multiToken = !streaming ? false : multiTokenChunks !== null ? multiTokenChunks > 0 : firstChunk > 1 || (ref !== null && ref - chunks > slack);
  return {
    tokenizer,
    server,
    chunks,
    firstChunk,
    maxChunkTokens: per === undefined || per.length === 0 ? null : Math.max(...per),
    multiTokenChunks,
    requested: t.requestedTokens ?? null,
    multiToken,
    fewerTokensThanChunks: streaming && ref !== null && chunks - ref > slack,
    serverDiffPct: server !== null && tokenizer !== null && tokenizer > 0 ? (Math.abs(server - tokenizer) / tokenizer) * 100 : null,
  };
}

/** Upstream's OSL-mismatch threshold: min(5 % of the requested count, 50 tokens). */
export function oslMismatchTokens(requested: number): number {
  return Math.min(0.05 * requested, 50);
}

export type { ReconcileFinding, ReconcileReport } from "./reconcile-findings.ts";

/** Accumulates RecordAccountings; `report()` may be called at any time. */
export class TokenReconciler {
  readonly #bound: number;
  readonly #streaming: boolean;
  #n = 0;
  readonly #totals = { tokenizer: 0, server: 0, chunks: 0, requested: 0 };
  readonly #with = { tokenizer: 0, server: 0, perChunkUsage: 0, requested: 0 };
  #refTokens = 0;
  #refChunks = 0;
  #maxChunk: number | null = null;
  #firstMax = 0;
  #multi = 0;
  #adjusted = 0;
  #pairTokenizer = 0;
  #pairServer = 0;
  #compared = 0;
  #disagree = 0;
  #fewer = 0;
  #reqCompared = 0;
  #short = 0;
  #long = 0;

  /** `streaming`: false turns the chunk checks off (one response per request). */
  constructor(boundPct = RECONCILE_BOUND_PCT, streaming = true) {
    this.#bound = boundPct;
    this.#streaming = streaming;
  }

  add(record: RequestRecord): RecordAccounting | null {
    const a = accountRecord(record, this.#bound, this.#streaming);
    if (a === null) return null;
    this.#n++;
    this.#totals.chunks += a.chunks;
    if (a.tokenizer !== null) {
      this.#with.tokenizer++;
      this.#totals.tokenizer += a.tokenizer;
    }
    if (a.server !== null) {
      this.#with.server++;
      this.#totals.server += a.server;
    }
    const ref = a.server ?? a.tokenizer;
    if (ref !== null) {
      this.#refTokens += ref;
      this.#refChunks += a.chunks;
    }
    if (a.maxChunkTokens !== null) {
      this.#with.perChunkUsage++;
      this.#maxChunk = Math.max(this.#maxChunk ?? 0, a.maxChunkTokens);
    }
    this.#firstMax = Math.max(this.#firstMax, a.firstChunk);
    if (a.multiToken) this.#multi++;
    if (this.#streaming && a.firstChunk > 1) this.#adjusted++;
    if (a.fewerTokensThanChunks) this.#fewer++;
    if (a.serverDiffPct !== null && a.server !== null && a.tokenizer !== null) {
      this.#compared++;
      this.#pairServer += a.server;
      this.#pairTokenizer += a.tokenizer;
      if (a.serverDiffPct > this.#bound) this.#disagree++;
    }
    if (a.requested !== null && ref !== null) {
      this.#with.requested++;
      this.#totals.requested += a.requested;
      this.#reqCompared++;
      const gap = a.requested - ref;
      if (gap > oslMismatchTokens(a.requested)) this.#short++;
      else if (-gap > oslMismatchTokens(a.requested)) this.#long++;
    }
    return a;
  }

  report(): ReconcileReport {
    const report: ReconcileReport = {
      boundPct: this.#bound,
      requests: this.#n,
      totals: { ...this.#totals },
      requestsWith: { ...this.#with },
      tokensPerChunk: { mean: this.#refChunks > 0 ? this.#refTokens / this.#refChunks : null, max: this.#maxChunk, firstChunkMax: this.#firstMax },
      multiTokenRequests: this.#multi,
      itlAdjustedRequests: this.#adjusted,
      tokenizerVsServer: {
        compared: this.#compared,
        disagree: this.#disagree,
        diffPct: this.#pairTokenizer > 0 ? (Math.abs(this.#pairServer - this.#pairTokenizer) / this.#pairTokenizer) * 100 : null,
      },
      fewerTokensThanChunks: this.#fewer,
      requestedVsOutput: { compared: this.#reqCompared, short: this.#short, long: this.#long },
      findings: [],
    };
    report.findings = findings(report);
    return report;
  }
}
