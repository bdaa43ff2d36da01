/**
 * Conversation history of the multi-turn sessions a worker serves (aiperf-features §4.7, §2.2
 * chat row). Timing routes every turn of a session to the same worker, so the history lives here,
 * keyed by the session's X-Correlation-ID. Turn t of a chat session is sent with `messages` =
 * every earlier user message and the assistant replies as actually received, then turn t's own
 * message; everything else (model, stream, max tokens, extras) is the stored turn's. Completions
 * get the earlier prompts and replies prepended to the prompt; Responses bodies get the earlier
 * `input` items and replies, or, when the body asks the server to `store` responses, only
 * `previous_response_id` of the last reply (the server keeps the chain). Single-turn
 * conversations and first turns are sent as the stored bytes, unparsed.
 */
import type { DatasetReader } from "../../protocol/dataset-file.ts";
import type { Credit } from "../../protocol/pipeline.ts";
import type { Captured } from "./http-capture.ts";
import { replyId, replyText } from "./reply-text.ts";

/** What earlier turns left: chat messages (or Responses input items), the completions prompt so far, the last Responses id. */
type History = { messages: unknown[]; prompt: string; responseId?: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The body of a later turn: the stored body with the history threaded in (stored bytes if it cannot be). */
export function threadBody(stored: Uint8Array, history: History): Uint8Array {
  const body = parseObject(stored);
  if (body === undefined) return stored;
  if (Array.isArray(body.messages)) body.messages = [...history.messages, ...body.messages];
  else if (typeof body.prompt === "string") body.prompt = history.prompt + body.prompt;
  else if (isResponsesInput(body.input) && body.store === true && history.responseId !== undefined) body.previous_response_id = history.responseId;
  else if (isResponsesInput(body.input)) body.input = [...history.messages, ...body.input];
  else return stored;
  return encoder.encode(JSON.stringify(body));
}

/**
 * The history after a turn: its own user message(s) and the reply as received. A failed turn
 * adds no assistant message (there was no reply to thread); completions separate turns by a newline.
 */
export function appendTurn(history: History | undefined, stored: Uint8Array, reply: string, responseId?: string): History {
  const next: History = history ?? { messages: [], prompt: "" };
  const body = parseObject(stored);
  if (body === undefined) return next;
  // Only the last reply's id chains; a failed turn leaves none, so the next one sends the history.
  if (responseId === undefined) delete next.responseId;
  else next.responseId = responseId;
  const items = Array.isArray(body.messages) ? body.messages : isResponsesInput(body.input) ? body.input : undefined;
  if (items !== undefined) {
    next.messages.push(...(items as unknown[]));
    if (reply !== "") next.messages.push({ role: "assistant", content: reply });
  } else if (typeof body.prompt === "string") {
    next.prompt += `${body.prompt}${reply}\n`;
  }
  return next;
}

/** The histories of the sessions in progress on one worker. */
export class SessionHistories {
  readonly #dataset: Pick<DatasetReader, "body" | "turnCount">;
  readonly #byId = new Map<string, History>();
  readonly #verbatim: boolean;

  /** `verbatim` (the raw endpoint): every turn goes out exactly as stored, no history threaded in. */
  constructor(dataset: Pick<DatasetReader, "body" | "turnCount">, opts: { verbatim?: boolean } = {}) {
    this.#dataset = dataset;
    this.#verbatim = opts.verbatim === true;
  }

  /** Sessions whose history is held. */
  get size(): number {
    return this.#byId.size;
  }

  /** The request body for a credit; throws when the dataset has no such turn. */
  bodyFor(credit: Credit): Uint8Array {
    const stored = this.#dataset.body(credit.conversation, credit.turn);
    if (credit.turn === 0 || this.#verbatim) return stored;
    const history = this.#byId.get(credit.correlationId);
    // No history: a sticky worker was lost and timing rerouted; send the turn as stored.
    return history === undefined ? stored : threadBody(stored, history);
  }

  /** A turn's request finished: keep what the next turn needs, or drop the session after its last. */
  finished(credit: Credit, captured: Captured): void {
    const turns = this.#dataset.turnCount(credit.conversation);
    if (turns <= 1 || this.#verbatim) return;
    if (credit.turn + 1 >= turns) {
      this.#byId.delete(credit.correlationId);
      return;
    }
    const ok = captured.error === null && captured.status === 200;
    const reply = ok ? replyText(captured.contentType, captured.chunks) : "";
    const id = ok ? replyId(captured.contentType, captured.chunks) : undefined;
    const stored = this.#dataset.body(credit.conversation, credit.turn);
    this.#byId.set(credit.correlationId, appendTurn(this.#byId.get(credit.correlationId), stored, reply, id));
  }
}

/** Responses `input` items carry roles; an embeddings `input` (strings, token ids) is never threaded. */
function isResponsesInput(input: unknown): input is unknown[] {
  return Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === "object" && item !== null && "role" in item);
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
