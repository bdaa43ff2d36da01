/**
 * The o200k_base vocabulary in typed arrays: every token's bytes back to back, where each token
 * starts, and an open-addressing hash table from a byte string to its token id. Built once from
 * gpt-tokenizer's rank list (at bundle time by o200k.macro.ts, or at load in a source run) and
 * shipped as three base64 strings, so loading it is decoding buffers: no 200k JS strings, no Map.
 */

/** Ids 0..199997 are ordinary tokens (their rank is their id); the special tokens come after. */
export const O200K_TOKEN_COUNT = 199_998;

/**
 * 2^18 slots for 199,998 keys (a load factor of 0.76, 1 MB). A slot holds id + 1 in its low 18
 * bits and 14 more bits of the key's hash above them, so a probe passes over the other keys
 * without reading their bytes.
 */
const SLOT_BITS = 18;
export const SLOT_MASK = (1 << SLOT_BITS) - 1;
export const ID_BITS = 18;

/** The byte form of gpt-tokenizer's rank list: text tokens as strings, the rest as byte arrays. */
export type RawRanks = readonly (string | readonly number[])[];

export interface O200kTables {
  /** All tokens' bytes, in id order (1.4 MB). */
  readonly bytes: Uint8Array;
  /** Where each token starts in `bytes`, and one entry more: token `id` is offsets[id]..offsets[id + 1]. */
  readonly offsets: Uint32Array;
  /** Hash slot → token id + 1 | hash tag << ID_BITS; 0 is an empty slot. */
  readonly slots: Uint32Array;
  /**
   * Ids gpt-tokenizer keeps as byte arrays although their bytes are valid UTF-8 (they start with
   * a byte-order mark). Its lookups by bytes never find them; see o200k-bpe.ts.
   */
  readonly hiddenIds: ReadonlySet<number>;
  /** Ids gpt-tokenizer keeps as byte arrays (1,571: single bytes, parts of characters, the above): its decode streams them. */
  readonly byteIds: ReadonlySet<number>;
}

/** The packed form: what the bundle-time macro returns and the binary carries. */
export interface PackedO200k {
  bytes: string;
  offsets: string;
  slots: string;
  hiddenIds: number[];
  byteIds: number[];
}

/**
 * The hash of `n` bytes of `buf` from `at`: FNV-1a, then a murmur3 finaliser so that the low
 * bits the table uses depend on every byte. o200k-bpe.ts computes the same inline.
 */
function hashBytes(buf: Uint8Array, at: number, n: number): number {
  let h = 0x811c9dc5;
  for (let i = at; i < at + n; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return finishHash(h);
}

/** The hash's top 14 bits, in place above a slot's id: the slot index used the low 18. */
export function tagOf(h: number): number {
  return (h >>> ID_BITS) << ID_BITS;
}

export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Builds the tables from gpt-tokenizer's `o200k_base` rank list. */
export function buildO200kTables(ranks: RawRanks): O200kTables {
  if (ranks.length !== O200K_TOKEN_COUNT) throw new Error(`o200k_base has ${O200K_TOKEN_COUNT} tokens, this rank list ${ranks.length}`);
  const utf8 = new TextEncoder();
  const strict = new TextDecoder("utf-8", { fatal: true });
  const pieces: Uint8Array[] = [];
  const hiddenIds = new Set<number>();
  const byteIds = new Set<number>();
  let total = 0;
  for (let id = 0; id < ranks.length; id++) {
    const rank = ranks[id];
    if (rank === undefined) throw new Error(`o200k_base rank list has a hole at ${id}`);
    const piece = typeof rank === "string" ? utf8.encode(rank) : Uint8Array.from(rank);
    if (piece.length === 0) throw new Error(`o200k_base token ${id} is empty`);
    if (typeof rank !== "string") byteIds.add(id);
    if (typeof rank !== "string" && isUtf8(strict, piece)) hiddenIds.add(id);
    pieces.push(piece);
    total += piece.length;
  }
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(pieces.length + 1);
  pieces.forEach((piece, id) => {
    bytes.set(piece, offsets[id] as number);
    offsets[id + 1] = (offsets[id] as number) + piece.length;
  });
  return { bytes, offsets, slots: buildSlots(bytes, offsets), hiddenIds, byteIds };
}

function buildSlots(bytes: Uint8Array, offsets: Uint32Array): Uint32Array {
  const slots = new Uint32Array(SLOT_MASK + 1);
  for (let id = 0; id < offsets.length - 1; id++) {
    const from = offsets[id] as number;
    const h = hashBytes(bytes, from, (offsets[id + 1] as number) - from);
    let slot = h & SLOT_MASK;
    while (slots[slot] !== 0) slot = (slot + 1) & SLOT_MASK;
    slots[slot] = (id + 1) | tagOf(h);
  }
  return slots;
}

function isUtf8(strict: TextDecoder, bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function packO200kTables(tables: O200kTables): PackedO200k {
  const base64 = (a: Uint8Array | Uint32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
  return {
    bytes: base64(tables.bytes),
    offsets: base64(tables.offsets),
    slots: base64(tables.slots),
    hiddenIds: [...tables.hiddenIds],
    byteIds: [...tables.byteIds],
  };
}

/**
 * The tables from their packed form: three base64 decodes, a few ms in all, and nothing
 * computed (a 200k-step loop, run once before the JIT warms up, cost more than the decoding).
 * Buffer's decoder, not Uint8Array.fromBase64, which took ten times as long in Bun 1.4.
 */
export function unpackO200kTables(packed: PackedO200k): O200kTables {
  const offsets = new Uint32Array(alignedBase64(packed.offsets));
  const slots = new Uint32Array(alignedBase64(packed.slots));
  if (offsets.length !== O200K_TOKEN_COUNT + 1 || slots.length !== SLOT_MASK + 1) throw new Error("the embedded o200k_base tables are damaged");
  const bytes = Buffer.from(packed.bytes, "base64");
  return {
    bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    offsets,
    slots,
    hiddenIds: new Set(packed.hiddenIds),
    byteIds: new Set(packed.byteIds),
  };
}

/** Decoded into a buffer of its own, so that a Uint32Array over it is aligned. */
function alignedBase64(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, "base64");
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
}
