/**
 * What every loader receives, and the loader signature the registry holds: a loader streams
 * pieces of conversations as it reads, so nothing but the piece in hand needs to stay in memory.
 */
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import type { PromptGenerator } from "../synthetic/prompt.ts";
import type { Turn } from "./model.ts";

export type LoaderContext = {
  /** The --input-file path (a file, or a directory for random_pool). */
  path: string;
  tokenizer: Tokenizer;
  /** The seeded prompt generator; built on first use (tokenizing the corpus costs ≈0.5 s). */
  prompts(): Promise<PromptGenerator>;
  /** The tokenized builtin corpus (hash_id blocks are cut from it); built on first use. */
  corpus(): Promise<Uint32Array>;
  /** --isl-block-size: tokens per mooncake hash_id block. */
  blockSize: number;
  /** --conversation-num: how many conversations random_pool builds. */
  conversationNum: number;
  /** The run's seed (random_pool sampling). */
  seed: number;
  /** --osl was given: ShareGPT then keeps entries with short completions. */
  oslSet: boolean;
  /** A fresh UUID-shaped session id (seeded). */
  sessionId(): string;
};

/**
 * Turns read from the input: pieces with the same `session` join one conversation, in the order
 * read; a piece without one is a conversation of its own (named by ctx.sessionId()).
 */
export type Piece = { session: string | undefined; turns: Turn[] };

export type Loader = (ctx: LoaderContext) => AsyncIterable<Piece>;
