/**
 * One raw capture → one RequestRecord: transport errors and HTTP statuses become error records,
 * the body is split into responses (SSE messages, or the whole body for any other content type),
 * content-bearing responses are kept with their arrival times, and tokens are counted.
 */
import { endpointFor } from "../endpoints/registry.ts";
import { completeUsage, mergeUsage, type ServerUsage } from "../endpoints/usage.ts";
import type { DatasetReader } from "../protocol/dataset-file.ts";
import type { RawRecord } from "../protocol/pipeline.ts";
import type { EndpointType } from "../protocol/record-processor-config.ts";
import type { RecordError, RequestRecord } from "../records/record.ts";
import { ChunkTemplate } from "./chunk-template.ts";
import type { Counter } from "./counter.ts";
import { isSkip, type ParsedResponse, type Skip } from "./openai-parse.ts";
import { scanSse } from "./sse.ts";
import { sseError } from "./sse-error.ts";
import { accountTokens } from "./token-accounting.ts";

export type ParseContext = {
  endpointType: EndpointType;
  counter: Counter;
  processorId: string;
  dataset: Pick<DatasetReader, "inputTokens" | "conversationId">;
  /** --use-server-token-count: ISL/OSL/reasoning from the reply's usage instead of the tokenizer. */
  useServerTokenCount?: boolean;
  /** --extra-inputs response_field (raw, template endpoints). */
  responseField?: string;
  /** Seconds of audio the request uploaded (audio_transcription); absent or null: unknown. */
  audioSeconds?: (conversation: number, turn: number) => number | null;
  /** The output cap the request asked for (reconciliation); absent: not compared. */
  requestedTokens?: (conversation: number, turn: number) => number | null;
  /** Keep the generated text on the record (outputs.json). */
  captureText?: boolean;
  /** Told about every payload that was not understood (invalid JSON, unknown object). */
  onSkip?: (skip: Skip, raw: RawRecord) => void;
};

/** Upstream's error for a reply with nothing in it (inference_result_parser.py). */
const INVALID_RESULTS: RecordError = { code: null, type: "InvalidInferenceResults", message: "Invalid inference results" };
/**
 * A 200 whose responses were all dropped (role-only, usage-only, empty). Upstream leaves it
 * without an error yet treats it as invalid; naming it keeps it visible in the error summary.
 */
const NO_CONTENT: RecordError = { code: null, type: "InvalidInferenceResults", message: "No content-bearing responses" };

/** Never throws for bad bodies: they become error records. */
export function parseRecord(raw: RawRecord, chunks: readonly Uint8Array[], pc: ParseContext): RequestRecord {
  const record = baseRecord(raw, pc);
  if (raw.error !== null) return withError(record, raw.error);
  if (raw.status !== 200) {
    const code = raw.status;
    return withError(record, { code, type: raw.statusText || `HTTP ${code ?? "error"}`, message: bodyText(chunks) });
  }
  const sse = isEventStream(raw);
  const endpoint = endpointFor(pc.endpointType);
  const producesTokens = endpoint.producesTokens;
  // Parallel arrays, filled in one pass: no per-response wrapper objects, no second pass to
  // pick the texts out (allocation per record was a visible share of the role's time).
  const responseNs: number[] = [];
  const responses: ParsedResponse[] = [];
  const texts: string[] = [];
  const reasoning: string[] = [];
  let firstOutputNs: number | undefined;
  let usage: ServerUsage | undefined;
  let invalid = 0;
  let kept = 0;
  let failed = null as RecordError | null;
  const options = pc.responseField === undefined ? undefined : { responseField: pc.responseField };
  const parse = (data: string, event: string | undefined): ParsedResponse | Skip => endpoint.parseResponse(data, event, options);
  const template = sse ? new ChunkTemplate(parse) : undefined;
  const accept = (ns: number, r: ParsedResponse | Skip): void => {
    if (isSkip(r)) {
      if (sse && r.skip === "invalid-json") invalid++;
      if (r.usage !== undefined) usage = mergeUsage(usage, r.usage);
      if (r.skip === "invalid-json" || r.skip === "unknown-object") pc.onSkip?.(r, raw);
      return;
    }
    if (r.kind === "images") record.images = (record.images ?? 0) + r.count;
    if (r.usage !== undefined) usage = mergeUsage(usage, r.usage);
    responseNs.push(ns);
    responses.push(r);
    if (producesTokens && r.kind === "text") {
      if (r.text !== "") {
        texts.push(r.text);
        firstOutputNs ??= ns;
      }
      if (r.reasoning !== "") reasoning.push(r.reasoning);
    }
  };
  /** One payload (an SSE message, or the whole body); false once an SSE error failed the request. */
  const emit = (p: Payload): boolean => {
    // Comment-only SSE messages (keep-alives) are not responses at all.
    if (p.dataLines === 0) return true;
    kept++;
    let r: ParsedResponse | Skip | undefined = template?.match(p.data, p.event);
    if (r === undefined) {
      // An error event mid-stream fails the request, whatever came before it (upstream).
      failed = sse ? sseError(p.data, p.event) : null;
      if (failed !== null) return false;
      r = parse(p.data, p.event);
      template?.learn(p.data, p.event, r);
    }
    accept(p.ns, r);
    return true;
  };
  if (template !== undefined) {
    // The usual chunk, once the template is learned, is read in place in the decoded reply: no
    // message object or payload string for it (SSE framing and template match were ~40 % of a
    // record's parse). What `emit` would do with it, to the letter: a template hit.
    scanSse(chunks, raw.chunkNs, emit, (text, from, to, ns) => {
      const r = template.matchIn(text, from, to);
      if (r === undefined) return false;
      kept++;
      accept(ns, r);
      return true;
    });
  } else {
    // Any other content type: the whole body is one response, stamped at its end.
    const text = bodyText(chunks);
    if (text.trim() !== "") emit({ ns: raw.endNs, data: text, dataLines: 1 });
  }
  if (failed !== null) return withError(record, failed);
  if (kept === 0) return withError(record, INVALID_RESULTS);
  // Garbled lines inside a good stream leave it valid, but are counted (and warned about in total).
  if (invalid > 0) record.invalidSseLines = invalid;
  if (usage !== undefined) record.usage = completeUsage(usage);
  if (responses.length === 0) return withError(record, NO_CONTENT);
  record.responseNs = responseNs;
  record.endNs = responseNs[responseNs.length - 1] as number;
  const audio = pc.audioSeconds === undefined ? null : safe(() => pc.audioSeconds?.(raw.conversation, raw.turn) ?? null, null);
  if (audio !== null) record.audioSeconds = audio;
  if (producesTokens) {
    if (pc.captureText === true) record.responseText = texts.join("");
    // Joined, then counted once: tokens that straddle chunk boundaries count once (upstream).
    record.outputTokens = texts.length > 0 ? pc.counter.count(texts.length === 1 ? (texts[0] as string) : texts.join("")) : null;
    record.reasoningTokens = reasoning.length > 0 ? pc.counter.count(reasoning.join("")) : null;
    if (firstOutputNs !== undefined) record.firstOutputNs = firstOutputNs;
    const counted = record.outputTokens === null && record.reasoningTokens === null ? null : (record.outputTokens ?? 0) + (record.reasoningTokens ?? 0);
    const requested = pc.requestedTokens === undefined ? null : safe(() => pc.requestedTokens?.(raw.conversation, raw.turn) ?? null, null);
    record.tokens = accountTokens(responses, pc.counter, counted, requested, record.usage?.completionTokens ?? null);
    if (pc.useServerTokenCount === true) useServerCounts(record);
  }
  return record;
}

/**
 * The server's counts replace the tokenizer's where it gave them. Completion tokens include the
 * reasoning ones (OpenAI, Responses), and OSL here is output + reasoning, so output is the rest.
 */
function useServerCounts(record: RequestRecord): void {
  const u = record.usage;
  if (u === undefined) return;
  if (u.promptTokens !== null) record.inputTokens = u.promptTokens;
  if (u.completionTokens === null) return;
  const reasoning = u.reasoningTokens ?? 0;
  record.reasoningTokens = u.reasoningTokens !== null && u.reasoningTokens > 0 ? u.reasoningTokens : null;
  record.outputTokens = Math.max(0, u.completionTokens - reasoning);
}

type Payload = { ns: number; data: string; event?: string | undefined; dataLines: number };

function isEventStream(raw: RawRecord): boolean {
  return raw.contentType.toLowerCase().includes("text/event-stream");
}

function bodyText(chunks: readonly Uint8Array[]): string {
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const decoder = new TextDecoder();
  let out = "";
  for (const c of chunks) out += decoder.decode(c, { stream: true });
  return out + decoder.decode();
}

function baseRecord(raw: RawRecord, pc: ParseContext): RequestRecord {
  return {
    phase: raw.phase,
    sessionNum: raw.sessionNum,
    xRequestId: raw.xRequestId,
    xCorrelationId: raw.xCorrelationId,
    conversationId: safe(() => pc.dataset.conversationId(raw.conversation), String(raw.conversation)),
    turnIndex: raw.turn,
    workerId: raw.workerId,
    recordProcessorId: pc.processorId,
    startNs: raw.startNs,
    intendedNs: raw.intendedNs,
    ...(raw.readyNs === undefined ? {} : { readyNs: raw.readyNs }),
    ackNs: raw.ackNs,
    endNs: raw.endNs,
    wallStartNs: raw.wallStartNs,
    responseNs: [],
    // ISL comes from the dataset, so failed requests carry it too (error_isl).
    inputTokens: safe(() => pc.dataset.inputTokens(raw.conversation, raw.turn), null),
    outputTokens: null,
    reasoningTokens: null,
    wasCancelled: raw.wasCancelled,
    cancellationNs: raw.cancellationNs,
    ...(raw.retriedAfter === undefined ? {} : { retriedAfter: raw.retriedAfter }),
    error: null,
  };
}

function withError(record: RequestRecord, error: RecordError): RequestRecord {
  record.error = error;
  return record;
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}
