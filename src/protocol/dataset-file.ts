/**
 * dataset.bin: what the dataset service writes and workers and record processors map with
 * Bun.mmap, so no dataset bytes cross the bus. Each turn is stored as its ready request body.
 *
 *   header   "AIPDS003" · u32 conversations · u32 turns · u32 idBytes (all little-endian)
 *   convs    per conversation: u32 first turn · u32 turn count
 *   turns    per turn: f64 body offset · u32 body length · u32 input tokens (ISL; 2^32-1 = unknown)
 *            · f64 delay in ms after the previous turn's reply (multi-turn; 0 for first turns)
 *            · f64 timestamp in ms on the trace's clock (fixed schedules; NaN = none)
 *   ids      conversation ids, fixed `idBytes` each, NUL padded
 *   bodies   request bodies (JSON bytes)
 */
import { writeFileSync } from "node:fs";

const MAGIC = "AIPDS003";
const HEADER = 20;
const CONV = 8;
const TURN = 32;
export const UNKNOWN_TOKENS = 0xffffffff;

/**
 * `delayMs`: wait this long after the previous turn's reply before sending (already × the delay ratio).
 * `timestampMs`: when to send on the trace's clock (fixed schedules), as the input file gave it.
 */
export type DatasetTurn = { body: Uint8Array; inputTokens: number | null; delayMs?: number; timestampMs?: number };
export type DatasetConversation = { id: string; turns: DatasetTurn[] };

/** Writes the file; returns its size in bytes. */
export function writeDatasetFile(path: string, conversations: DatasetConversation[]): number {
  const encoder = new TextEncoder();
  const ids = conversations.map((c) => encoder.encode(c.id));
  const idBytes = Math.max(1, ...ids.map((b) => b.length));
  const turns = conversations.flatMap((c) => c.turns);
  const bodiesAt = HEADER + conversations.length * CONV + turns.length * TURN + conversations.length * idBytes;
  const size = bodiesAt + turns.reduce((n, t) => n + t.body.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(encoder.encode(MAGIC), 0);
  view.setUint32(8, conversations.length, true);
  view.setUint32(12, turns.length, true);
  view.setUint32(16, idBytes, true);
  let turnIndex = 0;
  let bodyAt = bodiesAt;
  const turnsAt = HEADER + conversations.length * CONV;
  conversations.forEach((c, i) => {
    view.setUint32(HEADER + i * CONV, turnIndex, true);
    view.setUint32(HEADER + i * CONV + 4, c.turns.length, true);
    out.set(ids[i] as Uint8Array, turnsAt + turns.length * TURN + i * idBytes);
    for (const t of c.turns) {
      const at = turnsAt + turnIndex * TURN;
      view.setFloat64(at, bodyAt, true);
      view.setUint32(at + 8, t.body.length, true);
      view.setUint32(at + 12, t.inputTokens ?? UNKNOWN_TOKENS, true);
      view.setFloat64(at + 16, t.delayMs ?? 0, true);
      view.setFloat64(at + 24, t.timestampMs ?? Number.NaN, true);
      out.set(t.body, bodyAt);
      bodyAt += t.body.length;
      turnIndex++;
    }
  });
  writeFileSync(path, out);
  return size;
}

/** Read access to a mapped dataset file; bodies are views into the mapping (do not mutate). */
export type DatasetReader = {
  readonly conversations: number;
  readonly turns: number;
  turnCount(conversation: number): number;
  body(conversation: number, turn: number): Uint8Array;
  inputTokens(conversation: number, turn: number): number | null;
  /** Milliseconds to wait after the previous turn's reply (0 for a first turn). */
  delayMs(conversation: number, turn: number): number;
  /** The turn's timestamp in ms on the trace's clock, or null when the input had none. */
  timestampMs(conversation: number, turn: number): number | null;
  conversationId(conversation: number): string;
};

/** Maps the file (shared, never written) and checks its header. */
export function openDataset(path: string): DatasetReader {
  const bytes = Bun.mmap(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new TypeError(`Not a dataset file: ${path}`);
  const conversations = view.getUint32(8, true);
  const turns = view.getUint32(12, true);
  const idBytes = view.getUint32(16, true);
  const turnsAt = HEADER + conversations * CONV;
  const idsAt = turnsAt + turns * TURN;
  const turnAt = (c: number, t: number): number => {
    if (c < 0 || c >= conversations) throw new RangeError(`No conversation ${c} (dataset has ${conversations})`);
    const count = view.getUint32(HEADER + c * CONV + 4, true);
    if (t < 0 || t >= count) throw new RangeError(`No turn ${t} in conversation ${c} (it has ${count})`);
    return turnsAt + (view.getUint32(HEADER + c * CONV, true) + t) * TURN;
  };
  const decoder = new TextDecoder();
  return {
    conversations,
    turns,
    turnCount: (c) => view.getUint32(HEADER + c * CONV + 4, true),
    body(c, t) {
      const at = turnAt(c, t);
      const offset = view.getFloat64(at, true);
      return bytes.subarray(offset, offset + view.getUint32(at + 8, true));
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
