/**
 * The internal dataset model file loaders produce (reference/aiperf-features.md §3.1): conversations
 * of turns, each turn a batch of named texts/images/audios plus optional per-turn settings.
 */
import { BenchError } from "../../core/errors.ts";
import type { TextSpans } from "../../protocol/dataset-file.ts";

/** A named batch of contents (e.g. name "query" with one text, "passages" with several). */
export type Media = { name: string; contents: string[] };

export type Turn = {
  texts: Media[];
  images: Media[];
  audios: Media[];
  /** Milliseconds on the trace's clock (fixed schedules). */
  timestamp?: number;
  /** Milliseconds after the previous turn. */
  delay?: number;
  role?: string;
  maxTokens?: number;
  model?: string;
  /**
   * Input tokens already known (prompts synthesised from a trace's input_length), so a
   * million-line trace is not re-tokenized; otherwise the texts are counted.
   */
  inputTokens?: number;
  /** A ready request body sent as is (inputs.json replay); the modalities are then empty. */
  payload?: Record<string, unknown>;
  /**
   * The turn's only text, JSON-escaped and UTF-8 encoded (what JSON.stringify writes between its
   * quotes), as ranges of a buffer a loader shares between turns. Set for trace prompts built
   * from hash_ids blocks, so their request bodies are spliced from bytes. When set, texts holds
   * exactly one text with one content, whose string may be made on first read.
   */
  textSpans?: TextSpans;
};

export type { TextSpans } from "../../protocol/dataset-file.ts";

export type Conversation = { sessionId: string; turns: Turn[] };

/**
 * A problem in an input file, located as `file:line: what is wrong`. It surfaces as a
 * CONFIG_INVALID BenchError before any request is sent.
 */
export class DatasetInputError extends Error {
  constructor(file: string, line: number | undefined, what: string) {
    super(line === undefined ? `${file}: ${what}` : `${file}:${line}: ${what}`);
    this.name = "DatasetInputError";
  }

  toBenchError(): BenchError {
    return new BenchError("CONFIG_INVALID", `Invalid dataset: ${this.message}`);
  }
}

/**
 * Orders conversations by the timestamp of their first turn (a stable sort, so untimed and
 * equal-time ones keep file order). Traces are not always written in time order, and the
 * fixed-schedule replay and the sequential serving both assume it.
 */
export function sortByTimestamp(conversations: Conversation[]): Conversation[] {
  const first = (c: Conversation): number => c.turns[0]?.timestamp ?? Number.NEGATIVE_INFINITY;
  for (let i = 1; i < conversations.length; i++) {
    if (first(conversations[i - 1] as Conversation) > first(conversations[i] as Conversation)) {
      return conversations.sort((a, b) => first(a) - first(b));
    }
  }
  return conversations;
}

/**
 * Collects pieces into conversations in file order: pieces with the same session id join one
 * conversation; a piece without one is a conversation of its own (named by `newId`).
 */
export function createSessionGrouper(newId: () => string): { add(session: string | undefined, turns: Turn[]): void; conversations: Conversation[] } {
  const conversations: Conversation[] = [];
  const bySession = new Map<string, Conversation>();
  return {
    conversations,
    add(session, turns) {
      const existing = session === undefined ? undefined : bySession.get(session);
      if (existing !== undefined) return void existing.turns.push(...turns);
      const conversation = { sessionId: session ?? newId(), turns: [...turns] };
      conversations.push(conversation);
      if (session !== undefined) bySession.set(session, conversation);
    },
  };
}
