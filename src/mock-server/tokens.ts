/** Fake generated tokens and a rough prompt-token count. */

/**
 * Common English words that are one token each (with their leading space) in the usual BPE
 * vocabularies (GPT, Llama, Mistral), so a client that re-tokenizes the reply counts about as many
 * tokens as the server says it sent.
 */
const WORDS = [
  "the",
  "of",
  "and",
  "to",
  "in",
  "is",
  "that",
  "for",
  "it",
  "as",
  "was",
  "with",
  "be",
  "by",
  "on",
  "not",
  "he",
  "this",
  "are",
  "or",
  "his",
  "from",
  "at",
  "which",
  "but",
  "have",
  "an",
  "had",
  "they",
  "you",
  "were",
  "their",
  "one",
  "all",
  "we",
  "can",
  "her",
  "has",
  "there",
  "been",
  "if",
  "more",
  "when",
  "will",
  "would",
  "who",
  "so",
  "no",
] as const;

/** The text of token `i` of a reply: a word, with a leading space after the first. */
export function tokenText(i: number): string {
  const word = WORDS[i % WORDS.length] ?? "the";
  return i === 0 ? word : ` ${word}`;
}

/** The whole reply of `count` tokens, for non-streaming answers. */
export function replyText(count: number): string {
  let text = "";
  for (let i = 0; i < count; i++) text += tokenText(i);
  return text;
}

/**
 * Approximate prompt tokens: whitespace-separated words in every string found in `value`
 * (message contents, prompts, inputs, passages). A real tokenizer would count more; the mock only
 * needs a plausible, deterministic `usage.prompt_tokens`. Token-id arrays count one per id.
 */
export function approxTokens(value: unknown): number {
  if (typeof value === "string") return value.split(/\s+/).filter((w) => w !== "").length;
  if (typeof value === "number") return 1;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + approxTokens(item), 0);
  if (value !== null && typeof value === "object") {
    let sum = 0;
    for (const [key, item] of Object.entries(value)) {
      // Roles, names and types are not prompt text.
      if (key === "content" || key === "text" || key === "prompt" || key === "input") sum += approxTokens(item);
    }
    return sum;
  }
  return 0;
}
