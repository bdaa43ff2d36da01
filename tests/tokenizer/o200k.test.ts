/**
 * Our o200k_base encoder against gpt-tokenizer, the reference it replaced, on a large varied
 * text set: every id, count and decoded text must be the same.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ranks from "gpt-tokenizer/bpeRanks/o200k_base";
import { GptEncoding } from "gpt-tokenizer/GptEncoding";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { encodeBounded } from "../../src/tokenizer/long-runs.ts";
import { createO200kBpe } from "../../src/tokenizer/o200k-bpe.ts";
import { createO200kDecode } from "../../src/tokenizer/o200k-decode.ts";
import { packedO200k } from "../../src/tokenizer/o200k.macro.ts";
import { buildO200kTables, O200K_TOKEN_COUNT, unpackO200kTables } from "../../src/tokenizer/o200k-tables.ts";

const reference = GptEncoding.getEncodingApi("o200k_base", () => ranks);
const ORDINARY = { disallowedSpecial: new Set<string>() };
const refEncode = (text: string): number[] => reference.encode(text, ORDINARY);

// The tables as the binary gets them: packed by the macro, then unpacked.
const tables = unpackO200kTables(packedO200k());
const bpe = createO200kBpe(tables);
const decode = createO200kDecode(tables);
const ourEncode = (text: string): number[] => {
  const ids: number[] = [];
  bpe.encodeInto(text, ids);
  return ids;
};

const ROOT = join(import.meta.dir, "..", "..");
const CORPUS = readFileSync(join(ROOT, "src", "dataset", "assets", "moby-dick.txt"), "utf8");

/** A small seeded generator, so a failure names a text that can be made again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Code point ranges of many scripts, symbols, marks and emoji. */
const RANGES: [number, number][] = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0x24f], // Latin-1, Latin Extended
  [0x300, 0x36f], // combining marks
  [0x370, 0x3ff], // Greek
  [0x400, 0x4ff], // Cyrillic
  [0x530, 0x58f], // Armenian
  [0x590, 0x5ff], // Hebrew
  [0x600, 0x6ff], // Arabic
  [0x900, 0x97f], // Devanagari
  [0x980, 0x9ff], // Bengali
  [0xb80, 0xbff], // Tamil
  [0xe00, 0xe7f], // Thai
  [0x10a0, 0x10ff], // Georgian
  [0x1100, 0x11ff], // Hangul Jamo
  [0x1e00, 0x1eff], // Latin Extended Additional
  [0x2000, 0x206f], // general punctuation (incl. zero-width joiner and spaces)
  [0x20a0, 0x20cf], // currency
  [0x2100, 0x214f], // letterlike (Kelvin sign, ...)
  [0x2190, 0x23ff], // arrows, maths, technical
  [0x2500, 0x27bf], // box drawing, dingbats
  [0x3000, 0x30ff], // CJK punctuation, kana
  [0x4e00, 0x9fff], // CJK ideographs
  [0xac00, 0xd7a3], // Hangul syllables
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // byte-order mark
  [0xff00, 0xffef], // full-width forms
  [0xfffd, 0xfffd], // replacement character
  [0x1d400, 0x1d7ff], // mathematical alphanumerics
  [0x1f300, 0x1f64f], // emoji
  [0x1f680, 0x1f6ff], // transport emoji
  [0x1f900, 0x1f9ff], // more emoji
  [0x1f1e6, 0x1f1ff], // regional indicators (flags)
  [0x20000, 0x2a6df], // CJK extension B
];

function unicodeText(rand: () => number, length: number): string {
  let out = "";
  while (out.length < length) {
    const r = rand();
    if (r < 0.15) out += " ";
    else if (r < 0.2) out += ["\n", "\r\n", "\t", "  ", "'s ", "'LL", "...", "1234567", "//", "\u200d"][Math.floor(rand() * 10)];
    else {
      const [lo, hi] = RANGES[Math.floor(rand() * RANGES.length)] as [number, number];
      const run = 1 + Math.floor(rand() * 6);
      for (let i = 0; i < run; i++) out += String.fromCodePoint(lo + Math.floor(rand() * (hi - lo + 1)));
    }
  }
  return out;
}

/** Random bytes read as UTF-8 (invalid sequences become U+FFFD), as a server's garbage might. */
function bytesAsText(rand: () => number, length: number): string {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = rand() < 0.5 ? 0x20 + Math.floor(rand() * 95) : Math.floor(rand() * 256);
  return new TextDecoder().decode(bytes);
}

/** Random UTF-16 code units, lone surrogates included. */
function codeUnits(rand: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const r = rand();
    out += String.fromCharCode(r < 0.4 ? 0x20 + Math.floor(rand() * 95) : r < 0.6 ? 0xd800 + Math.floor(rand() * 0x800) : Math.floor(rand() * 0x10000));
  }
  return out;
}

function whitespaceText(rand: () => number, length: number): string {
  const parts = [" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2028", "\f", "\v", "x", "Word", "!", "9", ".\n"];
  let out = "";
  while (out.length < length) out += (parts[Math.floor(rand() * parts.length)] as string).repeat(1 + Math.floor(rand() * 12));
  return out;
}

function sourceFiles(): string[] {
  const dir = join(ROOT, "src", "tokenizer");
  const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), "utf8"));
  return [...files, readFileSync(join(ROOT, "package.json"), "utf8"), readFileSync(join(ROOT, "README.md"), "utf8").slice(0, 60_000)];
}

function expectSame(text: string): void {
  const want = refEncode(text);
  const got = ourEncode(text);
  // On a mismatch, show the text (shortened) rather than two long id lists.
  if (got.length !== want.length || got.some((id, i) => id !== want[i])) {
    expect({ text: text.slice(0, 400), got: got.slice(0, 60) }).toEqual({ text: text.slice(0, 400), got: want.slice(0, 60) });
  }
  expect(bpe.count(text)).toBe(want.length);
  expect(decode(got)).toBe(text.toWellFormed());
}

describe("o200k_base: our encoder gives gpt-tokenizer's ids", () => {
  test("the packed tables are the tables built from the vocabulary", () => {
    const built = buildO200kTables(ranks);
    const unpacked = unpackO200kTables(packedO200k());
    expect(unpacked.bytes).toEqual(built.bytes);
    expect(unpacked.offsets).toEqual(built.offsets);
    expect(unpacked.slots).toEqual(built.slots);
    expect([...unpacked.hiddenIds]).toEqual([...built.hiddenIds]);
    expect([...unpacked.byteIds]).toEqual([...built.byteIds]);
    expect(built.offsets.length).toBe(O200K_TOKEN_COUNT + 1);
  });

  test("the builtin corpus, whole and line by line", () => {
    expectSame(CORPUS);
    for (const line of CORPUS.split("\n")) expectSame(line);
  });

  test("code, JSON and markdown", () => {
    for (const file of sourceFiles()) {
      expectSame(file);
      for (let at = 0; at < file.length; at += 997) expectSame(file.slice(at, at + 1500));
    }
  });

  test("unicode of many scripts, emoji and marks", () => {
    const rand = random(14);
    for (let i = 0; i < 400; i++) expectSame(unicodeText(rand, 20 + Math.floor(rand() * 400)));
  });

  test("whitespace runs", () => {
    const rand = random(141);
    for (let i = 0; i < 300; i++) expectSame(whitespaceText(rand, 10 + Math.floor(rand() * 300)));
  });

  test("random bytes read as text, lone surrogates, byte-order marks", () => {
    const rand = random(1414);
    for (let i = 0; i < 300; i++) expectSame(bytesAsText(rand, 10 + Math.floor(rand() * 300)));
    for (let i = 0; i < 300; i++) expectSame(codeUnits(rand, 5 + Math.floor(rand() * 100)));
    for (const text of ["\ufeff", "\ufeff\n", "\ufeff\ufeff\ufeff", "\ufeffimport x", "a\ufeff\ufeffb", "\ufeff//", "\ud800", "\udfff\ud800x", "🐋\ud83d"]) {
      expectSame(text);
    }
    // A lone surrogate encodes as U+FFFD's bytes: every token with U+FFFD in it, spelt that way.
    for (const rank of ranks) {
      if (typeof rank === "string" && rank.includes("\ufffd")) for (const lone of ["\ud800", "\udc00"]) expectSame(rank.replaceAll("\ufffd", lone));
    }
  });

  test("every token's own text", () => {
    const utf8 = new TextDecoder();
    for (let id = 0; id < ranks.length; id++) {
      const rank = ranks[id] as string | number[];
      expectSame(typeof rank === "string" ? rank : utf8.decode(Uint8Array.from(rank)));
    }
  });

  test("decoding gives gpt-tokenizer's text call after call, also where a call ends inside a character", () => {
    // gpt-tokenizer's streaming decoder is one per process and earlier tests used it: a lone
    // 0xFF byte token ends whatever character either side may hold, so both start level.
    const level = (): void => {
      expect(decode([255])).toBe(reference.decode([255]));
    };
    reference.decode([255]);
    decode([255]);
    // Every token alone, in id order: single bytes and parts of characters are held over.
    for (let id = 0; id < O200K_TOKEN_COUNT; id++) expect(decode([id])).toBe(reference.decode([id]));
    // Token by token through text whose characters are split over tokens: whole characters come out.
    const rand = random(5);
    const text = unicodeText(rand, 20_000);
    const ids = refEncode(text);
    expect(ids.some((id) => typeof ranks[id] !== "string")).toBe(true);
    level();
    let joined = "";
    for (const id of ids) {
      const piece = decode([id]);
      expect(piece).toBe(reference.decode([id]));
      joined += piece;
    }
    expect(joined).toBe(text);
    // Windows that start and end anywhere, one after another.
    for (let i = 0; i < 3000; i++) {
      const start = Math.floor(rand() * ids.length);
      const window = ids.slice(start, start + 1 + Math.floor(rand() * 40));
      expect(decode(window)).toBe(reference.decode(window));
    }
  });

  test("ids that are not ordinary are skipped, also inside a run of byte tokens", () => {
    expect(decode([13225, 199_999, 2375, 250_000, -1, 1.5, Number.NaN])).toBe("Hello world");
    const whale = refEncode("\u{1f40b}\u{2a6d6}"); // an emoji and a rare ideograph: byte tokens
    expect(whale.some((id) => typeof ranks[id] !== "string")).toBe(true);
    const mixed = whale.flatMap((id) => [id, 200_000, -5]);
    expect(decode(mixed)).toBe(reference.decode(whale));
  });

  test("decoded windows of the corpus's ids are gpt-tokenizer's text (what prompt synthesis does)", () => {
    const ids = refEncode(CORPUS.split("\n").join(" "));
    const rand = random(7);
    for (let i = 0; i < 2000; i++) {
      const start = Math.floor(rand() * ids.length);
      const window = ids.slice(start, start + 1 + Math.floor(rand() * 300));
      expect(decode(window)).toBe(reference.decode(window));
    }
  });

  test("the builtin tokenizer cuts long runs as before", async () => {
    const tok = await loadBuiltinTokenizer();
    const rand = random(99);
    const texts = [
      "a".repeat(5000),
      `${"x".repeat(1000)} ${"!?".repeat(700)}${" ".repeat(900)}end`,
      `${"é".repeat(600)}${"🐋".repeat(400)}${"\n".repeat(300)}`,
      unicodeText(rand, 3000) + "ab".repeat(2000),
    ];
    for (const text of texts) {
      const want = encodeBounded(text, refEncode);
      expect(tok.encode(text)).toEqual(want);
      expect(tok.count(text)).toBe(want.length);
    }
    expect(tok.count("<|endoftext|> and <|fim_prefix|>")).toBe(refEncode("<|endoftext|> and <|fim_prefix|>").length);
  });
});
