/**
 * Server-sent events from timestamped body chunks. Messages end at a blank line, wherever the
 * chunk boundaries fall; a message is stamped with the arrival time of the read that held its
 * first byte (upstream reads one byte, stamps, then reads to "\n\n": aiperf-features §2.1).
 * Fields follow WHATWG: "name: value" split at the first colon, a leading ":" is a comment, data
 * lines are joined with "\n". Lines may end in "\r\n" as well as "\n".
 */
import { concatBytes } from "../core/bytes.ts";

type SseMessage = {
  /** Arrival time of the read holding the message's first byte. */
  ns: number;
  /** The data lines joined with "\n"; "" when the message had none. */
  data: string;
  /** The `event:` field, when present. */
  event: string | undefined;
  /** How many data lines it had (0 for a comment-only message). */
  dataLines: number;
};

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const DATA = [0x64, 0x61, 0x74, 0x61]; // "data"
const EVENT = [0x65, 0x76, 0x65, 0x6e, 0x74]; // "event"

/**
 * Works on bytes: a line feed never occurs inside a UTF-8 sequence, so lines are cut before
 * decoding and each field value is decoded whole (a streaming TextDecoder costs ~6x more per call).
 */
export class SseParser {
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });
  /** Bytes of an unfinished line, carried to the next chunk, and the first one's arrival time. */
  #partial: Uint8Array[] = [];
  #partialNs = 0;
  /** The message being built: its first byte's time (null before any byte) and fields. */
  #startNs: number | null = null;
  #data: string[] = [];
  #event: string | undefined;

  /** Feeds one read; returns the messages it completed, in order. */
  push(chunk: Uint8Array, ns: number): SseMessage[] {
    const out: SseMessage[] = [];
    // The usual read holds whole lines: one decode for the read, then string cuts. Both ends are
    // then character boundaries (a line feed is never inside a UTF-8 sequence), so the text is
    // what decoding each value alone gives, at a third of the cost (a subarray and a decode per line).
    if (this.#partial.length === 0 && chunk.length > 0 && chunk[chunk.length - 1] === LF) {
      this.#pushText(this.#decoder.decode(chunk), ns, out);
      return out;
    }
    let at = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, at);
      if (nl < 0) break;
      if (this.#partial.length > 0) {
        this.#partial.push(chunk.subarray(at, nl));
        this.#line(concatBytes(this.#partial), this.#partialNs, out);
        this.#partial = [];
      } else {
        this.#line(chunk.subarray(at, nl), ns, out);
      }
      at = nl + 1;
    }
    if (at < chunk.length) {
      if (this.#partial.length === 0) this.#partialNs = ns;
      this.#partial.push(chunk.subarray(at));
    }
    return out;
  }

  /** The stream ended: a last message without its blank line still counts, as upstream reads to EOF. */
  end(): SseMessage[] {
    const out: SseMessage[] = [];
    if (this.#partial.length > 0) this.#line(concatBytes(this.#partial), this.#partialNs, out);
    this.#partial = [];
    this.#dispatch(out);
    return out;
  }

  #line(raw: Uint8Array, ns: number, out: SseMessage[]): void {
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
    if (line.length === 0) {
      this.#dispatch(out);
      return;
    }
    this.#startNs ??= ns;
    if (line[0] === COLON) return; // a comment
    let colon = line.indexOf(COLON);
    if (colon < 0) colon = line.length;
    const isData = startsWith(line, DATA, colon);
    if (!isData && !startsWith(line, EVENT, colon)) return; // id, retry and unknown fields: unused
    let from = colon + 1;
    if (from < line.length && line[from] === SPACE) from++;
    const value = from >= line.length ? "" : this.#decoder.decode(line.subarray(from));
    if (isData) this.#data.push(value);
    else this.#event = value;
  }

  #pushText(text: string, ns: number, out: SseMessage[]): void {
    let at = 0;
    while (at < text.length) {
      const nl = text.indexOf("\n", at);
      const end = nl > at && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      this.#lineText(text, at, end, ns, out);
      at = nl + 1;
    }
  }

  /** `#line` on text[from, to): the same fields, cut from a decoded read. */
  #lineText(text: string, from: number, to: number, ns: number, out: SseMessage[]): void {
    if (to === from) {
      this.#dispatch(out);
      return;
    }
    this.#startNs ??= ns;
    if (text.charCodeAt(from) === COLON) return; // a comment
    let colon = text.indexOf(":", from);
    if (colon < 0 || colon > to) colon = to;
    const isData = colon - from === 4 && text.startsWith("data", from);
    if (!isData && !(colon - from === 5 && text.startsWith("event", from))) return; // id, retry and unknown fields: unused
    let start = colon + 1;
    if (start < to && text.charCodeAt(start) === SPACE) start++;
    const value = start >= to ? "" : text.slice(start, to);
    if (isData) this.#data.push(value);
    else this.#event = value;
  }

  /**
   * A whole reply at once, `text` its bytes decoded, one character per byte (the caller checked):
   * read `i` is text[ends[i-1], ends[i]). The same lines and stamps as pushing each read; one
   * decode for the reply instead of one per read.
   */
  whole(text: string, ends: readonly number[], chunkNs: readonly number[]): SseMessage[] {
    const out: SseMessage[] = [];
    this.scan(text, ends, chunkNs, (m) => {
      out.push(m);
      return true;
    });
    return out;
  }

  /**
   * `whole`, handing each message to `emit` as soon as it is complete (false: stop reading). The
   * last line may lack its line feed (as end() reads it). A
   * message that is one `data:` line and its blank line is first offered to `take` as
   * text[from, to), unbuilt: when `take` returns true it is consumed there, no string or object
   * made for it (the common streamed chunk, which the chunk template reads in place).
   */
  scan(text: string, ends: readonly number[], chunkNs: readonly number[], emit: (m: SseMessage) => boolean, take?: DataLineTaker): void {
    const out: SseMessage[] = [];
    let read = 0;
    let at = 0;
    while (at < text.length) {
      let nl = text.indexOf("\n", at);
      if (nl < 0) nl = text.length;
      while ((ends[read] as number) <= at) read++;
      const end = nl > at && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      const ns = chunkNs[read] ?? 0;
      // A fresh message (nothing of it seen yet, so its stamp is this line's) of one data line.
      if (take !== undefined && this.#startNs === null && end - at > 5 && text.startsWith("data:", at)) {
        const blank = blankLineEnd(text, nl + 1);
        if (blank >= 0) {
          const from = text.charCodeAt(at + 5) === SPACE ? at + 6 : at + 5;
          if (take(text, from, end, ns)) {
            at = blank;
            continue;
          }
        }
      }
      this.#lineText(text, at, end, ns, out);
      if (out.length > 0 && !deliver(out, emit)) return;
      at = nl + 1;
    }
    this.#dispatch(out);
    deliver(out, emit);
  }

  #dispatch(out: SseMessage[]): void {
    const lines = this.#data;
    // The usual message has one data line: that string as it is (a join would copy it).
    if (this.#startNs !== null)
      out.push({ ns: this.#startNs, data: lines.length === 1 ? (lines[0] as string) : lines.join("\n"), event: this.#event, dataLines: lines.length });
    this.#startNs = null;
    lines.length = 0;
    this.#event = undefined;
  }
}

/** Offered a one-line data message, its value text[from, to) stamped `ns`; true when it took it. */
type DataLineTaker = (text: string, from: number, to: number, ns: number) => boolean;

/** Where the line after a blank line starting at `at` begins ("\n" or "\r\n"), or -1 when there is none. */
function blankLineEnd(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === LF) return at + 1;
  if (c === CR && text.charCodeAt(at + 1) === LF) return at + 2;
  return -1;
}

/** Hands the messages to `emit` in order and empties `out`; false when `emit` asked to stop. */
function deliver(out: SseMessage[], emit: (m: SseMessage) => boolean): boolean {
  for (const m of out) {
    if (!emit(m)) return false;
  }
  out.length = 0;
  return true;
}

/** Whether the field name (the bytes before `nameEnd`) is exactly `name`. */
function startsWith(line: Uint8Array, name: number[], nameEnd: number): boolean {
  if (nameEnd !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (line[i] !== name[i]) return false;
  return true;
}

const wholeDecoder = new TextDecoder("utf-8", { fatal: false });

/** Parses a whole captured stream. */
export function parseSse(chunks: readonly Uint8Array[], chunkNs: readonly number[]): SseMessage[] {
  const whole = wholeText(chunks);
  if (whole !== undefined) return new SseParser().whole(whole.text, whole.ends, chunkNs);
  return pushAll(chunks, chunkNs);
}

/**
 * A whole captured stream, each message handed to `emit` in order (false: stop); one-line data
 * messages offered to `take` first where the reply could be read as one text (see `scan`).
 */
export function scanSse(chunks: readonly Uint8Array[], chunkNs: readonly number[], emit: (m: SseMessage) => boolean, take?: DataLineTaker): void {
  const whole = wholeText(chunks);
  if (whole !== undefined) {
    new SseParser().scan(whole.text, whole.ends, chunkNs, emit, take);
    return;
  }
  for (const m of pushAll(chunks, chunkNs)) if (!emit(m)) return;
}

function pushAll(chunks: readonly Uint8Array[], chunkNs: readonly number[]): SseMessage[] {
  const parser = new SseParser();
  const out: SseMessage[] = [];
  for (let i = 0; i < chunks.length; i++) {
    for (const m of parser.push(chunks[i] as Uint8Array, chunkNs[i] ?? 0)) out.push(m);
  }
  for (const m of parser.end()) out.push(m);
  return out;
}

/**
 * A worker's batch holds a reply's reads back to back: decode them as one (a decode per read
 * was the largest native cost of the record processor). Exact only when every byte is one
 * character (text as long as the bytes: ASCII, bar lone bytes that decode to U+FFFD either way);
 * `ends[i]` is where read i ends in the text.
 */
function wholeText(chunks: readonly Uint8Array[]): { text: string; ends: number[] } | undefined {
  const span = contiguous(chunks);
  if (span === undefined) return undefined;
  const text = wholeDecoder.decode(span);
  if (text.length !== span.byteLength) return undefined;
  const ends: number[] = [];
  let at = 0;
  for (const c of chunks) ends.push((at += c.byteLength));
  return { text, ends };
}

/** The reads as one view when they lie back to back in one buffer (as decodeRawBatch cuts them). */
function contiguous(chunks: readonly Uint8Array[]): Uint8Array | undefined {
  const first = chunks[0];
  if (first === undefined) return undefined;
  let end = first.byteOffset + first.byteLength;
  for (let i = 1; i < chunks.length; i++) {
    const c = chunks[i] as Uint8Array;
    if (c.buffer !== first.buffer || c.byteOffset !== end) return undefined;
    end += c.byteLength;
  }
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}
