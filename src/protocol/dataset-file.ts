/**
 * dataset.bin: what the dataset service writes and workers and record processors map with
 * Bun.mmap, so no dataset bytes cross the bus. A turn is stored either as its ready request body
 * or, when its text comes as ranges of a shared corpus (spliced trace prompts), as a recipe: a
 * list of spans into the file (the body's skeleton pieces, each distinct one written once, and
 * the corpus, written once whole) that `body()` copies together into the exact same bytes. The writer
 * streams: bodies, corpora, skeleton pieces and recipes go to the file as they come, the small
 * fixed-size index follows them, and the header (written last) says where the index starts.
 *
 *   header   "AIPDS005" · u32 conversations · u32 turns · u32 idBytes · u32 0 · f64 index offset
 *   bodies   in the order added: request bodies (JSON bytes); corpora (raw bytes, each once);
 *            skeleton pieces (once per skeleton); recipes: per span f64 file offset · u32 length
 *   index    convs: per conversation (serving order) u32 first turn · u32 turn count
 *            turns: per turn (grouped by conversation) f64 offset (body or recipe)
 *                   · u32 body length (assembled, for a recipe)
 *                   · u32 input tokens (ISL; 2^32-1 = unknown)
 *                   · f64 delay in ms after the previous turn's reply (multi-turn; 0 for first turns)
 *                   · f64 timestamp in ms on the trace's clock (fixed schedules; NaN = none)
 *                   · u32 recipe spans (0 = a plain body at the offset) · u32 0
 *            ids:   conversation ids, fixed `idBytes` each, NUL padded
 * All numbers little-endian. Scale (scripts/bench/dataset.ts): a 1M-line mooncake trace of two
 * hash_ids per line is 127 MiB stored as recipes, where its bodies whole take 3.2 GiB; assembling
 * one 3.4 KB body costs a worker 1.5–3 µs.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { createAppendFile } from "../core/append-file.ts";
import { createSpanReader } from "../core/span-reader.ts";

const MAGIC = "AIPDS005";
const HEADER = 32;
const CONV = 8;
const TURN = 40;
/** A recipe span: f64 file offset · u32 length. */
const SPAN = 12;
/** Skeletons whose pieces' offsets are remembered (by identity) before the memory is emptied. */
const MAX_SKELETONS = 1 << 16;
/** Corpora stored once each (past these, or past this size, texts' bodies are stored whole). */
const MAX_CORPORA = 16;
const MAX_CORPUS_BYTES = 256 << 20;
const UNKNOWN_TOKENS = 0xffffffff;
/** Bodies are read back in spans of up to this size. */
const CHUNK = 4 << 20;

/**
 * `delayMs`: wait this long after the previous turn's reply before sending (already × the delay ratio).
 * `timestampMs`: when to send on the trace's clock (fixed schedules), as the input file gave it.
 */
export type DatasetTurn = { body: Uint8Array; inputTokens: number | null; delayMs?: number; timestampMs?: number };
export type DatasetConversation = { id: string; turns: DatasetTurn[] };

/** A dataset.bin written piece by piece: conversations and turns may arrive interleaved. */
type DatasetWriter = {
  /** Starts a conversation; returns its number for `turn`. */
  conversation(id: string): number;
  /** Appends a turn to conversation `c`; its body is written out (soon) and may be reused after. */
  turn(c: number, turn: DatasetTurn): void;
  /**
   * `turn` with the body given as `pieces` with `text` between every two (splice-body.ts). When
   * text.bytes is a registered corpus the turn is stored as a recipe: the text as spans into the
   * corpus, the pieces written once per skeleton (the `pieces` array, by identity), so they must
   * never change after (a splicer's cached skeleton). Else the body is written whole.
   */
  turnSpliced(c: number, pieces: readonly Uint8Array[], text: TextSpans, turn: Omit<DatasetTurn, "body">): void;
  /**
   * Writes `bytes` to the file now, once; spliced texts whose `bytes` is this very object are
   * then stored as spans into it. Registering it again is a no-op, as is registering more than
   * MAX_CORPORA or one over MAX_CORPUS_BYTES (such texts' bodies are stored whole).
   */
  corpus(bytes: Uint8Array): void;
  /**
   * Writes the index and header and closes the file. Conversations are served in the order they
   * were started, or with `sortByTimestamp` stably by their first turn's timestamp (untimed first).
   */
  close(opts?: { sortByTimestamp?: boolean }): { bytes: number; conversations: number; turns: number };
  /** Closes and removes the partial file (bad input found midway). */
  abort(): void;
};

/** Typed arrays that double when full. */
function growable<T extends Uint32Array | Uint8Array>(make: (n: number) => T, initial = 1024): { get(): T; ensure(n: number): T } {
  let arr = make(initial);
  return {
    get: () => arr,
    ensure(n) {
      if (n <= arr.length) return arr;
      const next = make(Math.max(n, arr.length * 2));
      next.set(arr);
      arr = next;
      return arr;
    },
  };
}

export function createDatasetWriter(path: string): DatasetWriter {
  // Written front to back; the header is patched in last. Through the page cache on purpose
  // (unlike inputs.json): workers map this file and read a body before every request, and a body
  // that is not cached would be a disk read, a major page fault, inside the measured send path.
  const file = createAppendFile(path);
  file.write(new Uint8Array(HEADER));
  // Per turn, in the order added: its index record (final format) and its conversation.
  const records = growable((n) => new Uint8Array(n), 1024 * TURN);
  let rec = new DataView(records.get().buffer);
  const owners = growable((n) => new Uint32Array(n));
  // Per conversation: turn count, the first turn added, id bytes (offsets into one blob).
  const counts = growable((n) => new Uint32Array(n));
  const firsts = growable((n) => new Uint32Array(n));
  const idEnds = growable((n) => new Uint32Array(n));
  const idBlob = growable((n) => Buffer.alloc(n), 1 << 16);
  const encoder = new TextEncoder();
  let turns = 0;
  let conversations = 0;
  let idBytes = 1;
  // Registered corpora (by identity) and where each starts in the file.
  const corpora = new Map<Uint8Array, number>();
  // A Buffer, so that writing it out makes no wrapper per recipe.
  let recipe = Buffer.alloc(64 * SPAN);
  let recipeView = new DataView(recipe.buffer, recipe.byteOffset, recipe.byteLength);
  let spans = 0;
  let length = 0;
  let lastEnd = -1;
  /** Appends `n` bytes at file offset `at` to the recipe being built. */
  const span = (at: number, n: number): void => {
    if (n === 0) return;
    length += n;
    if (at === lastEnd) {
      // Continues the previous span in the file: one longer span.
      const prev = (spans - 1) * SPAN;
      recipeView.setUint32(prev + 8, recipeView.getUint32(prev + 8, true) + n, true);
    } else {
      if ((spans + 1) * SPAN > recipe.length) {
        const next = Buffer.alloc(recipe.length * 2);
        next.set(recipe);
        recipe = next;
        recipeView = new DataView(recipe.buffer, recipe.byteOffset, recipe.byteLength);
      }
      recipeView.setFloat64(spans * SPAN, at, true);
      recipeView.setUint32(spans * SPAN + 8, n, true);
      spans++;
    }
    lastEnd = at + n;
  };
  // Where each skeleton's pieces are in the file: written on first sight, then found by the
  // skeleton's identity (one lookup per turn).
  const skeletons = new Map<readonly Uint8Array[], number[]>();
  const write = (piece: Uint8Array): number => {
    const at = file.size;
    file.write(piece);
    return at;
  };
  /** Writes the recipe of a spliced body whose corpus is at `corpusAt`; its offset, spans and body length. */
  const writeRecipe = (pieces: readonly Uint8Array[], text: TextSpans, corpusAt: number): { at: number; spans: number; length: number } => {
    let offsets = skeletons.get(pieces);
    if (offsets === undefined) {
      offsets = pieces.map(write);
      if (skeletons.size >= MAX_SKELETONS) skeletons.clear();
      skeletons.set(pieces, offsets);
    }
    spans = 0;
    length = 0;
    lastEnd = -1;
    const ranges = text.at;
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) for (let k = 0; k < ranges.length; k += 2) span(corpusAt + (ranges[k] as number), (ranges[k + 1] as number) - (ranges[k] as number));
      span(offsets[i] as number, (pieces[i] as Uint8Array).length);
    }
    const at = file.size;
    file.writeRange(recipe, 0, spans * SPAN);
    return { at, spans, length };
  };
  const record = (c: number, t: Omit<DatasetTurn, "body">, at0: number, bodyLength: number, recipeSpans: number): void => {
    if (c < 0 || c >= conversations) throw new RangeError(`No conversation ${c}`);
    const buffer = records.ensure((turns + 1) * TURN).buffer;
    if (rec.buffer !== buffer) rec = new DataView(buffer);
    const at = turns * TURN;
    rec.setFloat64(at, at0, true);
    rec.setUint32(at + 8, bodyLength, true);
    rec.setUint32(at + 12, t.inputTokens ?? UNKNOWN_TOKENS, true);
    rec.setFloat64(at + 16, t.delayMs ?? 0, true);
    rec.setFloat64(at + 24, t.timestampMs ?? Number.NaN, true);
    rec.setUint32(at + 32, recipeSpans, true);
    rec.setUint32(at + 36, 0, true);
    owners.ensure(turns + 1)[turns] = c;
    const count = counts.get();
    if (count[c] === 0) firsts.ensure(conversations)[c] = turns;
    count[c] = (count[c] as number) + 1;
    turns++;
  };

  const writer: DatasetWriter = {
    conversation(id) {
      const start = conversations === 0 ? 0 : (idEnds.get()[conversations - 1] as number);
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      const length = idBlob.ensure(start + id.length * 3).write(id, start);
      idEnds.ensure(conversations + 1)[conversations] = start + length;
      counts.ensure(conversations + 1)[conversations] = 0;
      idBytes = Math.max(idBytes, length);
      return conversations++;
    },
    turn(c, t) {
      const at = file.size;
      file.write(t.body);
      record(c, t, at, t.body.length, 0);
    },
    turnSpliced(c, pieces, text, t) {
      const corpusAt = corpora.get(text.bytes);
      if (corpusAt === undefined) {
        const at = file.size;
        for (let i = 0; i < pieces.length; i++) {
          if (i > 0) for (let k = 0; k < text.at.length; k += 2) file.writeRange(text.bytes, text.at[k] as number, text.at[k + 1] as number);
          file.write(pieces[i] as Uint8Array);
        }
        return record(c, t, at, file.size - at, 0);
      }
      const r = writeRecipe(pieces, text, corpusAt);
      record(c, t, r.at, r.length, r.spans);
    },
    corpus(bytes) {
      if (corpora.has(bytes) || corpora.size >= MAX_CORPORA || bytes.length > MAX_CORPUS_BYTES) return;
      corpora.set(bytes, file.size);
      file.write(bytes);
    },
    close(opts = {}) {
      const count = counts.get().subarray(0, conversations);
      const order = serveOrder(conversations, opts.sortByTimestamp === true ? firstTimestamps(count, firsts.get(), records.get()) : null);
      // Where each conversation's turns start in the grouped turn table.
      const startOf = new Uint32Array(conversations);
      const convTable = new DataView(new ArrayBuffer(conversations * CONV));
      let next = 0;
      order.forEach((c, i) => {
        startOf[c] = next;
        convTable.setUint32(i * CONV, next, true);
        convTable.setUint32(i * CONV + 4, count[c] as number, true);
        next += count[c] as number;
      });
      const turnTable = new Uint8Array(turns * TURN);
      const src = records.get();
      const owner = owners.get();
      for (let t = 0; t < turns; t++) {
        const c = owner[t] as number;
        turnTable.set(src.subarray(t * TURN, (t + 1) * TURN), (startOf[c] as number) * TURN);
        startOf[c] = (startOf[c] as number) + 1;
      }
      const ids = new Uint8Array(conversations * idBytes);
      const ends = idEnds.get();
      const blob = idBlob.get();
      order.forEach((c, i) => {
        const from = c === 0 ? 0 : (ends[c - 1] as number);
        ids.set(blob.subarray(from, ends[c]), i * idBytes);
      });
      const indexAt = file.size;
      for (const part of [new Uint8Array(convTable.buffer), turnTable, ids]) file.write(part);
      const bytes = file.size;
      file.close();
      const header = new Uint8Array(HEADER);
      const view = new DataView(header.buffer);
      header.set(encoder.encode(MAGIC), 0);
      view.setUint32(8, conversations, true);
      view.setUint32(12, turns, true);
      view.setUint32(16, idBytes, true);
      view.setFloat64(24, indexAt, true);
      const fd = openSync(path, "r+");
      writeSync(fd, header, 0, HEADER, 0);
      closeSync(fd);
      return { bytes, conversations, turns };
    },
    abort: () => file.abort(),
  };
  return writer;
}

/** Each conversation's first timestamp (−∞ when it has none), for the serving order. */
function firstTimestamps(count: Uint32Array, firsts: Uint32Array, records: Uint8Array): Float64Array {
  const keys = new Float64Array(count.length);
  const view = new DataView(records.buffer);
  for (let c = 0; c < count.length; c++) {
    const ms = count[c] === 0 ? Number.NaN : view.getFloat64((firsts[c] as number) * TURN + 24, true);
    keys[c] = Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
  }
  return keys;
}

/** 0…n−1, stably sorted by `keys` when given (an already ordered trace is not sorted). */
function serveOrder(n: number, keys: Float64Array | null): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (keys === null) return order;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = (keys[i - 1] as number) <= (keys[i] as number);
  if (sorted) return order;
  // Ties fall back to the index: a stable sort (−∞ − −∞ is NaN, hence `||`).
  return order.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
}

/** Writes the file in one go (conversations in the given order); returns its size in bytes. */
export function writeDatasetFile(path: string, conversations: DatasetConversation[]): number {
  const writer = createDatasetWriter(path);
  for (const conversation of conversations) {
    const c = writer.conversation(conversation.id);
    for (const turn of conversation.turns) writer.turn(c, turn);
  }
  return writer.close().bytes;
}

/**
 * Read access to a mapped dataset file. A plain body is a view into the mapping (do not mutate);
 * a recipe's body is assembled into a new array on each call (one allocation, a copy per span).
 */
export type DatasetReader = {
  readonly conversations: number;
  readonly turns: number;
  turnCount(conversation: number): number;
  /** The turn's position among all `turns` (0 ≤ index < turns): a key for per-turn caches. */
  turnIndex(conversation: number, turn: number): number;
  body(conversation: number, turn: number): Uint8Array;
  inputTokens(conversation: number, turn: number): number | null;
  /** Milliseconds to wait after the previous turn's reply (0 for a first turn). */
  delayMs(conversation: number, turn: number): number;
  /** The turn's timestamp in ms on the trace's clock, or null when the input had none. */
  timestampMs(conversation: number, turn: number): number | null;
  conversationId(conversation: number): string;
};

type Layout = { conversations: number; turns: number; idBytes: number; convsAt: number; turnsAt: number; idsAt: number };

function layoutOf(header: Uint8Array, path: string): Layout {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < HEADER || new TextDecoder().decode(header.subarray(0, 8)) !== MAGIC) throw new TypeError(`Not a dataset file: ${path}`);
  const conversations = view.getUint32(8, true);
  const turns = view.getUint32(12, true);
  const idBytes = view.getUint32(16, true);
  const convsAt = view.getFloat64(24, true);
  const turnsAt = convsAt + conversations * CONV;
  return { conversations, turns, idBytes, convsAt, turnsAt, idsAt: turnsAt + turns * TURN };
}

/**
 * The body of a recipe turn: `spans` spans at `offset` in `bytes` (a Buffer over the mapping:
 * its copy() makes no view per span), `length` bytes in all, copied into one new array.
 */
function assemble(bytes: Buffer, view: DataView, offset: number, spans: number, length: number, out = new Uint8Array(length)): Uint8Array {
  let o = 0;
  for (let i = 0, s = offset; i < spans; i++, s += SPAN) {
    const from = view.getFloat64(s, true);
    const n = view.getUint32(s + 8, true);
    if (o + n > length || from + n > bytes.length) throw new TypeError("Corrupt dataset file: a recipe span is out of range");
    o += bytes.copy(out, o, from, from + n);
  }
  if (o !== length) throw new TypeError("Corrupt dataset file: a recipe is shorter than its body");
  return out;
}

/** A Buffer over the same bytes (no copy). */
const bufferOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Maps the file (shared, never written) and checks its header. */
export function openDataset(path: string): DatasetReader {
  const bytes = Bun.mmap(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { conversations, turns, idBytes, convsAt, turnsAt, idsAt } = layoutOf(bytes.subarray(0, HEADER), path);
  const turnAt = (c: number, t: number): number => {
    if (c < 0 || c >= conversations) throw new RangeError(`No conversation ${c} (dataset has ${conversations})`);
    const count = view.getUint32(convsAt + c * CONV + 4, true);
    if (t < 0 || t >= count) throw new RangeError(`No turn ${t} in conversation ${c} (it has ${count})`);
    return turnsAt + (view.getUint32(convsAt + c * CONV, true) + t) * TURN;
  };
  const decoder = new TextDecoder();
  const buffer = bufferOf(bytes);
  return {
    conversations,
    turns,
    turnCount: (c) => view.getUint32(convsAt + c * CONV + 4, true),
    turnIndex: (c, t) => (turnAt(c, t) - turnsAt) / TURN,
    body(c, t) {
      const at = turnAt(c, t);
      const offset = view.getFloat64(at, true);
      const length = view.getUint32(at + 8, true);
      const spans = view.getUint32(at + 32, true);
      return spans === 0 ? bytes.subarray(offset, offset + length) : assemble(buffer, view, offset, spans, length);
    },
    inputTokens(c, t) {
      const n = view.getUint32(turnAt(c, t) + 12, true);
      return n === UNKNOWN_TOKENS ? null : n;
    },
    delayMs: (c, t) => view.getFloat64(turnAt(c, t) + 16, true),
    timestampMs(c, t) {
      const ms = view.getFloat64(turnAt(c, t) + 24, true);
      return Number.isNaN(ms) ? null : ms;
    },
    conversationId(c) {
      const raw = bytes.subarray(idsAt + c * idBytes, idsAt + (c + 1) * idBytes);
      const end = raw.indexOf(0);
      return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
    },
  };
}

/**
 * Every conversation in serving order with its bodies, read with plain reads rather than a
 * mapping, so a writer re-reading its own multi-GB file (for inputs.json) stays small. Nearby
 * bodies are fetched together in reads of up to 4 MiB into one reused buffer: the bodies given
 * are valid until the next conversation is asked for. Recipe turns are assembled from a mapping
 * (the file is then mostly small recipes and a corpus read over and over).
 */
export function* scanDataset(path: string): Generator<{ id: string; bodies: Uint8Array[] }> {
  const fd = openSync(path, "r");
  const spans = createSpanReader(path);
  try {
    const readInto = (out: Uint8Array, at: number, length: number): Uint8Array => {
      for (let got = 0; got < length; ) {
        const n = readSync(fd, out, got, length - got, at + got);
        if (n === 0) throw new TypeError(`Truncated dataset file: ${path}`);
        got += n;
      }
      return out;
    };
    const read = (at: number, length: number): Uint8Array => readInto(new Uint8Array(length), at, length);
    const layout = layoutOf(read(0, HEADER), path);
    const index = read(layout.convsAt, layout.idsAt + layout.conversations * layout.idBytes - layout.convsAt);
    const view = new DataView(index.buffer);
    const turnsAt = layout.turnsAt - layout.convsAt;
    const idsAt = layout.idsAt - layout.convsAt;
    const offsetOf = (t: number): number => view.getFloat64(turnsAt + t * TURN, true);
    const spansOf = (t: number): number => view.getUint32(turnsAt + t * TURN + 32, true);
    // The bytes the turn takes in the file: its body, or its recipe.
    const endOf = (t: number): number => offsetOf(t) + (spansOf(t) === 0 ? view.getUint32(turnsAt + t * TURN + 8, true) : spansOf(t) * SPAN);
    let mapped: { bytes: Buffer; view: DataView } | null = null;
    // Recipe bodies are assembled into one arena, reused from one conversation to the next (as
    // the plain bodies' window is): a million bodies make no million arrays to collect.
    let arena = Buffer.alloc(1 << 20);
    let arenaUsed = 0;
    const recipeBody = (t: number): Uint8Array => {
      if (mapped === null) {
        const bytes = Bun.mmap(path);
        mapped = { bytes: bufferOf(bytes), view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
      }
      const length = view.getUint32(turnsAt + t * TURN + 8, true);
      if (arenaUsed + length > arena.length) {
        // Bodies already given keep the old arena alive.
        arena = Buffer.alloc(Math.max(arena.length, length));
        arenaUsed = 0;
      }
      const out = arena.subarray(arenaUsed, arenaUsed + length);
      arenaUsed += length;
      return assemble(mapped.bytes, mapped.view, offsetOf(t), spansOf(t), length, out);
    };
    // One reused buffer holds the bodies read last (past the page cache where possible);
    // `bodies` (this conversation's so far) are copied out before it is overwritten.
    let store: Uint8Array = new Uint8Array(0);
    let windowAt = 0;
    let windowLength = 0;
    let bodies: Uint8Array[] = [];
    const body = (t: number): Uint8Array => {
      if (spansOf(t) !== 0) return recipeBody(t);
      const from = offsetOf(t);
      const to = endOf(t);
      if (from < windowAt || to > windowAt + windowLength) {
        // Read this body and those served right after it while they fit one span of 4 MiB.
        let lo = from;
        let hi = to;
        for (let u = t + 1; u < layout.turns; u++) {
          const nlo = Math.min(lo, offsetOf(u));
          const nhi = Math.max(hi, endOf(u));
          if (nhi - nlo > CHUNK) break;
          lo = nlo;
          hi = nhi;
        }
        bodies = bodies.map((b) => b.slice());
        store = spans.read(lo, hi - lo);
        windowAt = lo;
        windowLength = hi - lo;
      }
      return store.subarray(from - windowAt, to - windowAt);
    };
    const decoder = new TextDecoder();
    for (let c = 0; c < layout.conversations; c++) {
      const first = view.getUint32(c * CONV, true);
      const count = view.getUint32(c * CONV + 4, true);
      const raw = index.subarray(idsAt + c * layout.idBytes, idsAt + (c + 1) * layout.idBytes);
      const end = raw.indexOf(0);
      bodies = [];
      arenaUsed = 0;
      for (let t = first; t < first + count; t++) {
        const next = body(t); // may replace `bodies` with copies: read it first
        bodies.push(next);
      }
      yield { id: decoder.decode(end < 0 ? raw : raw.subarray(0, end)), bodies };
    }
  } finally {
    spans.close();
    closeSync(fd);
  }
}

/**
 * Text as byte ranges of one shared, never modified buffer: bytes[at[0], at[1]), then
 * bytes[at[2], at[3]), and so on. Numbers rather than views: a million prompts make no objects
 * but their arrays.
 */
export type TextSpans = { bytes: Buffer; at: ArrayLike<number> };
