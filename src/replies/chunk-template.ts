/**
 * The streamed chunks of one reply are, as a rule, the same JSON text around a different string:
 * `{"id":"…","object":"chat.completion.chunk",…,"delta":{"content":"` + token + `"},…}`. Parsing
 * each one with JSON.parse was ~30 % of the record processor's time per request (profile in
 * docs/client-efficiency.md). A template is learned from one chunk the endpoint's own parser
 * read, and checked by parsing it again with a probe string in the text's place: when the probe
 * comes back as the whole text, nothing else, no usage and no SSE error, then any chunk that is
 * that prefix + a valid JSON string literal + that suffix parses to exactly that string. Anything
 * else (another shape, usage per chunk, an escape that does not decode, an empty text) goes the
 * full way, so what a record says does not change.
 */
import type { ParsedResponse, Skip } from "../endpoints/parsed.ts";
import { sseError } from "./sse-error.ts";

type Parse = (data: string, event: string | undefined) => ParsedResponse | Skip;

/** Spaces at both ends and a line feed: a parser that trims or rewrites text fails the probe. */
const PROBE = ' aiperf "probe"\n\\ ';
/** Chunks tried for a template per reply; one normally suffices (the first content chunk). */
const MAX_LEARN_TRIES = 2;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** One reply's template; make one per record (the id in each chunk differs between replies). */
export class ChunkTemplate {
  readonly #parse: Parse;
  /** Up to and including the text's opening quote / from its closing quote on. */
  #prefix = "";
  #suffix = "";
  #event: string | undefined;
  #ready = false;
  #tries = 0;

  constructor(parse: Parse) {
    this.#parse = parse;
  }

  /** The text response `data` is, when it fits the template; undefined means: parse it fully. */
  match(data: string, event: string | undefined): ParsedResponse | undefined {
    if (!this.#ready || event !== this.#event) return undefined;
    const from = this.#prefix.length;
    const to = data.length - this.#suffix.length;
    if (to <= from || !data.startsWith(this.#prefix) || !data.endsWith(this.#suffix)) return undefined;
    return literalText(data, from, to);
  }

  /**
   * `match` of the event-less chunk text[from, to), read in place: the same answer as `match` of
   * that slice, without cutting the chunk out of the reply first.
   */
  matchIn(text: string, from: number, to: number): ParsedResponse | undefined {
    if (!this.#ready || this.#event !== undefined) return undefined;
    const start = from + this.#prefix.length;
    const stop = to - this.#suffix.length;
    if (stop <= start || !text.startsWith(this.#prefix, from) || !text.startsWith(this.#suffix, stop)) return undefined;
    return literalText(text, start, stop);
  }

  /** Offers a chunk the full parser read as `r`; learns the template from it when it can. */
  learn(data: string, event: string | undefined, r: ParsedResponse | Skip): void {
    if (this.#ready || this.#tries >= MAX_LEARN_TRIES || !isPlainText(r)) return;
    this.#tries++;
    const literal = JSON.stringify(r.text);
    const at = data.indexOf(literal);
    // The text must sit in the chunk exactly once, in the encoding JSON.stringify gives it.
    if (at < 0 || data.indexOf(literal, at + 1) >= 0) return;
    const prefix = data.slice(0, at + 1);
    const suffix = data.slice(at + literal.length - 1);
    const probe = prefix + JSON.stringify(PROBE).slice(1, -1) + suffix;
    const back = this.#parse(probe, event);
    if (!isPlainText(back) || back.text !== PROBE || sseError(probe, event) !== null) return;
    this.#prefix = prefix;
    this.#suffix = suffix;
    this.#event = event;
    this.#ready = true;
  }
}

/**
 * The string whose JSON literal body is data[from, to), or undefined when it is empty or not a
 * plain literal body (an unescaped quote or control character, an escape that does not decode).
 */
function literalText(data: string, from: number, to: number): ParsedResponse | undefined {
  let escaped = false;
  for (let i = from; i < to; i++) {
    const c = data.charCodeAt(i);
    if (c === BACKSLASH) {
      escaped = true;
      i++; // the escaped character, a quote included, is checked by JSON.parse below
    } else if (c === QUOTE || c < 0x20) {
      return undefined;
    }
  }
  let text = data.slice(from, to);
  if (escaped) {
    try {
      text = JSON.parse(`"${text}"`) as string;
    } catch {
      return undefined;
    }
  }
  return text === "" ? undefined : { kind: "text", text, reasoning: "" };
}

/** A text response with no reasoning, no usage and nothing else on it. */
function isPlainText(r: ParsedResponse | Skip): r is ParsedResponse & { kind: "text" } {
  if ("skip" in r || r.kind !== "text" || r.reasoning !== "" || r.text === "") return false;
  return Object.keys(r).length === 3;
}
