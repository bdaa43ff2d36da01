/** What every loader receives, and the loader signature the registry holds. */
import type { Tokenizer } from "../../tokenizer/tokenizer.ts";
import type { PromptGenerator } from "../synthetic/prompt.ts";
import type { Conversation } from "./model.ts";

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

export type Loader = (ctx: LoaderContext) => Promise<Conversation[]>;
