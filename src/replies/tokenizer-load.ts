/**
 * The tokenizer a parsing role counts with: started on "preload" (the controller sends it while the
 * dataset service synthesises, so on two cores the two loads run side by side instead of one after
 * the other) and taken at "configure" when it is the one the dataset resolved, else loaded then.
 */
import { parseTokenizerPreload, type ReplyConfig } from "../protocol/record-processor-config.ts";
import type { Counter, CounterResolver } from "./counter.ts";

/** The longest a tokenizer may take to load (a big tokenizer.json on a busy machine). */
const TOKENIZER_LOAD_MS = 60_000;

type LoadLog = { debug(message: string): void; warn(message: string): void };

export class TokenizerLoad {
  readonly #resolve: CounterResolver;
  readonly #log: LoadLog;
  readonly #busy: ((ms: number) => Promise<void>) | undefined;
  #preloaded: Promise<{ name: string | undefined; counter: Counter } | undefined> | undefined;

  /** `busy` announces the load to the controller's heartbeat watch (ServiceContext.busy). */
  constructor(resolve: CounterResolver, log: LoadLog, busy?: (ms: number) => Promise<void>) {
    this.#resolve = resolve;
    this.#log = log;
    this.#busy = busy;
  }

  /** Starts loading (once); a failure is not reported here: `counterFor` loads again and reports it. */
  preload(payload: unknown): { loading: true } {
    const { tokenizer, model, revision } = parseTokenizerPreload(payload);
    this.#preloaded ??= (async () => {
      // Loading blocks this loop for a while: said first, so the heartbeat watch allows for it.
      await this.#busy?.(TOKENIZER_LOAD_MS);
      try {
        // The dataset service warns about a fallback; this load of the same tokenizer stays quiet.
        const counter = await this.#resolve(tokenizer ?? undefined, { model, revision, onFallback: (m) => this.#log.debug(m) });
        return { name: (counter as { name?: string }).name, counter };
      } catch {
        return undefined;
      } finally {
        void this.#busy?.(0);
      }
    })();
    return { loading: true };
  }

  /**
   * The counter for the tokenizer the dataset resolved: ready before the run starts, as upstream
   * loads them at PROFILE_CONFIGURE.
   */
  async counterFor(config: Pick<ReplyConfig, "tokenizer" | "model" | "tokenizerRevision">): Promise<Counter> {
    const early = await this.#preloaded;
    if (early !== undefined && early.name !== undefined && early.name === config.tokenizer) return early.counter;
    return this.#resolve(config.tokenizer, { model: config.model, revision: config.tokenizerRevision, onFallback: (message) => this.#log.warn(message) });
  }
}
