/**
 * One request after the record processor parsed it: the input of every metric. Times are
 * nanoseconds on the host's shared monotonic clock; `wallStartNs` anchors them to the epoch.
 */
import type { UsageExtras } from "./usage-fields.ts";

export type RecordError = { code: number | null; type: string; message: string };

/** Token counts the server reported in `usage` (the last value of each field across the reply). */
export type ServerUsage = {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  reasoningTokens: number | null;
  /** Vendor-specific counts (cache, audio, predictions; usage-fields.ts), only when reported. */
  extras?: UsageExtras;
};

/**
 * How the reply's tokens were spread over its content chunks (token-accounting reconciliation,
 * src/metrics/reconcile.ts). `responseNs.length` is the chunk count.
 */
export type TokenAccounting = {
  /** The tokenizer's output + reasoning count, kept even when --use-server-token-count replaces OSL. */
  tokenizerTokens: number | null;
  /** Tokens in the first content chunk: from per-chunk usage when the server streams it, else the tokenizer's count of that chunk's text. */
  firstChunkTokens: number | null;
  /** Tokens per content chunk from cumulative per-chunk usage (vLLM continuous_usage_stats); absent otherwise. */
  chunkTokens?: number[];
  /** The output cap the request asked for (max_tokens and synonyms), when the body names one. */
  requestedTokens?: number | null;
};

export type RequestRecord = {
  phase: "warmup" | "profiling";
  /** Credit number within the phase (upstream `session_num`). */
  sessionNum: number;
  xRequestId: string;
  xCorrelationId: string;
  conversationId: string;
  turnIndex: number;
  workerId: string;
  recordProcessorId: string;
  /** Taken just before the request is sent. */
  startNs: number;
  /** When the timing service meant the request to go (the credit's intendedNs); absent in old records. */
  intendedNs?: number;
  /** When its credit's concurrency/prefill slot freed, if that was after intendedNs (Credit.readyNs). */
  readyNs?: number;
  /** Response headers received (null when none arrived). */
  ackNs: number | null;
  /** Last content-bearing response, or the moment the request failed. */
  endNs: number;
  /** Epoch nanoseconds at `startNs` (precision ~256 ns: a double holds 2^53). */
  wallStartNs: number;
  /** Arrival time of each content-bearing response (SSE chunk read, or whole body for non-streaming). */
  responseNs: number[];
  /** Token counts; null where not applicable (non-token endpoints) or not computable. */
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  /** Absent when the server reported no usage. */
  usage?: ServerUsage;
  /** Images the reply carried (image_generation); absent for other endpoints. */
  images?: number;
  /** Seconds of audio the request uploaded (audio_transcription WAV clips); absent otherwise. */
  audioSeconds?: number;
  /** Arrival of the first content response with non-reasoning output (time_to_first_output_token). */
  firstOutputNs?: number;
  /** Absent for non-token endpoints and records that failed before any content. */
  tokens?: TokenAccounting;
  /**
   * The first attempt, when it failed on a reused keep-alive connection before any byte of reply
   * and the request was sent again on a fresh one; every time above is the second attempt's.
   */
  retriedAfter?: { startNs: number; error: RecordError };
  /** SSE data lines that were not valid JSON in an otherwise good stream (skipped); absent when none. */
  invalidSseLines?: number;
  wasCancelled: boolean;
  cancellationNs: number | null;
  error: RecordError | null;
  /** The generated text, joined (only with --export-outputs-json). */
  responseText?: string;
  /** What was sent and received (only with --export-level raw). */
  raw?: RawExchange;
};

/**
 * One request's bodies for profile_export_raw.jsonl: the request body as stored in the dataset
 * (JSON when it parses), the HTTP status, and each read of the reply with its arrival time.
 */
export type RawExchange = {
  payload: unknown;
  status: number | null;
  responses: { perf_ns: number; text: string }[];
};
