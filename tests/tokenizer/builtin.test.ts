import { describe, expect, test } from "bun:test";
import { BUILTIN_TOKENIZER_NAME, loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";

describe("builtin tokenizer (o200k_base)", () => {
  test("encodes known text to the o200k_base ids", async () => {
    const tok = await loadBuiltinTokenizer();
    expect(tok.name).toBe(BUILTIN_TOKENIZER_NAME);
    // Cross-checked against the gpt-4o tokenizer.json run by @huggingface/tokenizers.
    expect(tok.encode("Hello world")).toEqual([13225, 2375]);
    expect(tok.count("Hello world")).toBe(2);
    expect(tok.encode("")).toEqual([]);
    expect(tok.count("")).toBe(0);
  });

  test("round-trips text, including multi-byte characters", async () => {
    const tok = await loadBuiltinTokenizer();
    for (const text of ["Call me Ishmael.", "naïve café — 🐋 whale\n\ttabs  and  spaces", "日本語のテキスト", " "]) {
      const ids = tok.encode(text);
      expect(tok.decode(ids)).toBe(text);
      expect(tok.count(text)).toBe(ids.length);
    }
  });

  test("treats special-token text as ordinary text and never throws on it", async () => {
    const tok = await loadBuiltinTokenizer();
    const text = "before <|endoftext|> after";
    const ids = tok.encode(text);
    expect(ids.length).toBeGreaterThan(3);
    expect(ids).not.toContain(199_999);
    expect(tok.decode(ids)).toBe(text);
  });

  test("decode skips special and unknown ids", async () => {
    const tok = await loadBuiltinTokenizer();
    expect(tok.decode([13225, 199_999, 2375, 250_000, -1])).toBe("Hello world");
    expect(tok.decode([])).toBe("");
  });

  test("loads once per process", async () => {
    expect(await loadBuiltinTokenizer()).toBe(await loadBuiltinTokenizer());
  });
});
