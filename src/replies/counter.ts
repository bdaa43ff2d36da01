/**
 * Token counting as the record processor needs it. The tokenizer (src/tokenizer) is resolved by
 * name at configure; the processor only needs `count`, so the resolver is injected and tests can
 * run without loading a vocabulary.
 */

export type Counter = { count(text: string): number };

type CounterOptions = { model?: string | undefined; revision?: string | undefined; onFallback?: (message: string) => void };

/** Finds the counter for a --tokenizer value (a name, a path, or absent for the model's own). */
export type CounterResolver = (nameOrPath: string | undefined, options: CounterOptions) => Counter | Promise<Counter>;

/** The product's resolver; imported on first use, so processors given another one never load vocabularies. */
export const tokenizerResolver: CounterResolver = async (nameOrPath, options) => {
  const { resolveTokenizer } = await import("../tokenizer/index.ts");
  return resolveTokenizer(nameOrPath, options);
};

/** Counts runs of non-space characters: a stand-in for tests. */
export const whitespaceCounter: Counter = {
  count(text: string): number {
    let n = 0;
    let inWord = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const space = c === 32 || c === 9 || c === 10 || c === 13;
      if (!space && !inWord) n++;
      inWord = !space;
    }
    return n;
  },
};
