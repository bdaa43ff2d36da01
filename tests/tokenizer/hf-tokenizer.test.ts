import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BenchError } from "../../src/core/errors.ts";
import { loadHfTokenizer } from "../../src/tokenizer/index.ts";

const FIXTURE_DIR = resolve(import.meta.dir, "../fixtures/tiny-bpe");
const scratch = mkdtempSync(join(tmpdir(), "aiperf-hf-tok-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function configError(promise: Promise<unknown>): Promise<BenchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BenchError);
  const bench = error as BenchError;
  expect(bench.code).toBe("CONFIG_INVALID");
  return bench;
}

describe("Hugging Face tokenizer.json", () => {
  test("loads from a directory and applies the BPE merges", async () => {
    const tok = await loadHfTokenizer(FIXTURE_DIR);
    expect(tok.name).toBe(join(FIXTURE_DIR, "tokenizer.json"));
    // "the" is 3 bytes; " whale", " and", " the", " sea" are merges 265, 273, 258, 268.
    expect(tok.encode("the whale and the sea")).toEqual([116, 257, 265, 273, 258, 268]);
    expect(tok.count("the whale and the sea")).toBe(6);
  });

  test("loads from the file path too", async () => {
    const tok = await loadHfTokenizer(join(FIXTURE_DIR, "tokenizer.json"), "tiny");
    expect(tok.name).toBe("tiny");
    expect(tok.count(" the sea")).toBe(2);
  });

  test("never adds the BOS the post-processor would add, and decode skips specials", async () => {
    const tok = await loadHfTokenizer(FIXTURE_DIR);
    expect(tok.encode(" the")).toEqual([258]);
    expect(tok.decode([276, 258, 277, 268])).toBe(" the sea");
    expect(tok.decode([])).toBe("");
  });

  test("round-trips any text through the byte-level alphabet", async () => {
    const tok = await loadHfTokenizer(FIXTURE_DIR);
    for (const text of ["Call me Ishmael — naïve 🐋", "tabs\tand\nnewlines", "日本語"]) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  test("rejects a missing path", async () => {
    const error = await configError(loadHfTokenizer(join(scratch, "nope")));
    expect(error.message).toContain("no such file or directory");
  });

  test("rejects a directory without tokenizer.json", async () => {
    const error = await configError(loadHfTokenizer(scratch));
    expect(error.message).toContain("has no tokenizer.json");
  });

  test("rejects a file that is not JSON", async () => {
    const file = join(scratch, "garbage.json");
    writeFileSync(file, "not json {");
    expect((await configError(loadHfTokenizer(file))).message).toContain("is not valid JSON");
  });

  test("rejects JSON that is not a tokenizer", async () => {
    const file = join(scratch, "config.json");
    writeFileSync(file, JSON.stringify({ architectures: ["LlamaForCausalLM"] }));
    expect((await configError(loadHfTokenizer(file))).message).toContain("not a Hugging Face tokenizer.json");
  });

  test("rejects a tokenizer whose model the library cannot run", async () => {
    const file = join(scratch, "odd.json");
    writeFileSync(file, JSON.stringify({ model: { type: "NoSuchModel" } }));
    expect((await configError(loadHfTokenizer(file))).message).toContain("cannot be used");
  });
});
