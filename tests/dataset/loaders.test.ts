import { describe, expect, test } from "bun:test";
import { type Conversation, LOADERS } from "../../src/dataset/loaders/index.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { failure, fixture, load } from "./support.ts";

const texts = (c: Conversation[]): string[][] => c.map((conv) => conv.turns.flatMap((t) => t.texts.flatMap((m) => m.contents)));

describe("file loaders", () => {
  test("the registry holds every format", () => {
    expect(Object.keys(LOADERS).sort()).toEqual(["csv", "inputs_json", "mooncake_trace", "multi_turn", "random_pool", "sharegpt", "single_turn"]);
  });

  test("single_turn: one conversation per non-empty line, plural and named modalities, settings", async () => {
    const c = await load("single_turn", fixture("single-turn.jsonl"));
    expect(c.length).toBe(4);
    expect(texts(c)).toEqual([["What is deep learning?"], ["Explain attention.", "Explain transformers."], ["What is a cat?", "A cat is a feline.", "Dogs bark."], ["Describe this image."]]);
    expect(c[1]?.turns[0]?.maxTokens).toBe(12);
    expect(c[2]?.turns[0]?.texts.map((t) => t.name)).toEqual(["query", "passages"]);
    expect(c[3]?.turns[0]).toMatchObject({ images: [{ name: "", contents: ["https://example.com/cat.png"] }], role: "user", model: "other-model" });
    expect(new Set(c.map((x) => x.sessionId)).size).toBe(4);
  });

  test("lines out of timestamp order are sorted", async () => {
    const c = await load("single_turn", fixture("single-turn-timed.jsonl"));
    expect(texts(c)).toEqual([["first"], ["second"], ["third"]]);
    expect(c.map((x) => x.turns[0]?.timestamp)).toEqual([1000, 2000, 3000]);
  });

  test("multi_turn: lines of one session_id are concatenated in file order", async () => {
    const c = await load("multi_turn", fixture("multi-turn.jsonl"));
    expect(c.map((x) => x.sessionId).slice(0, 2)).toEqual(["s1", "s2"]);
    expect(texts(c)[0]).toEqual(["Hello, who are you?", "Tell me more.", "And finally?"]);
    expect(c[0]?.turns.map((t) => t.delay)).toEqual([undefined, 500, 250]);
    expect(c.length).toBe(3);
    expect(c[2]?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("random_pool file: --conversation-num draws with replacement, reproducible under a seed", async () => {
    const a = await load("random_pool", fixture("pool.jsonl"), { conversationNum: 20, randomSeed: 7 });
    const b = await load("random_pool", fixture("pool.jsonl"), { conversationNum: 20, randomSeed: 7 });
    expect(a.length).toBe(20);
    expect(texts(a)).toEqual(texts(b));
    for (const [t] of texts(a)) expect(["pool entry A", "pool entry B", "pool entry C"]).toContain(t as string);
    expect(new Set(texts(a).map((t) => t[0])).size).toBeGreaterThan(1);
  });

  test("random_pool directory: one draw per pool file, named by the file stem", async () => {
    const c = await load("random_pool", fixture("pool"), { conversationNum: 6 });
    for (const conv of c) expect(conv.turns[0]?.texts.map((t) => t.name)).toEqual(["passages", "queries"]);
  });

  test("mooncake_trace: sorted by timestamp, output_length → max_tokens, text_input verbatim", async () => {
    const c = await load("mooncake_trace", fixture("mooncake.jsonl"));
    expect(c.map((x) => x.turns[0]?.timestamp)).toEqual([0, 1000, 2000, 3000]);
    expect(c.map((x) => x.turns[0]?.maxTokens)).toEqual([7, 3, 5, 4]);
    expect(texts(c)[3]).toEqual(["A literal prompt."]);
  });

  test("mooncake_trace hash_ids: the same id gives the same text, lengths follow the block rule", async () => {
    const c = await load("mooncake_trace", fixture("mooncake.jsonl"));
    const [ab, a2, ab3] = texts(c).map((t) => t[0] as string);
    // [0,1] (16 tokens) is a prefix of [0,1,3]; [0,2] shares block 0 with both.
    expect((ab3 as string).startsWith(ab as string)).toBe(true);
    const common = [...(a2 as string)].findIndex((ch, i) => ch !== (ab as string)[i]);
    expect(common).toBeGreaterThan(0);
    const tokenizer = await loadBuiltinTokenizer();
    // Blocks are decoded one by one; a merge across a block edge may shift the count slightly.
    expect(Math.abs(tokenizer.count(ab as string) - 16)).toBeLessThanOrEqual(2);
    expect(Math.abs(tokenizer.count(ab3 as string) - 20)).toBeLessThanOrEqual(3);
    // The same trace and seed reproduce the same prompts; another seed draws other blocks.
    expect(texts(await load("mooncake_trace", fixture("mooncake.jsonl")))).toEqual(texts(c));
    expect(texts(await load("mooncake_trace", fixture("mooncake.jsonl"), { randomSeed: 2 }))[0]).not.toEqual(texts(c)[0]);
  });

  test("mooncake_trace session_id groups lines into multi-turn conversations", async () => {
    const c = await load("mooncake_trace", fixture("mooncake-sessions.jsonl"));
    expect(c.map((x) => [x.sessionId, x.turns.length])).toEqual([["a", 2], ["b", 1]]);
    expect((texts(c)[0]?.[1] as string).startsWith(texts(c)[0]?.[0] as string)).toBe(true);
    expect(c[0]?.turns[1]?.delay).toBe(100);
  });

  test("csv: header columns, quoted commas, empty cells absent, session_id groups rows", async () => {
    const c = await load("csv", fixture("dataset.csv"));
    expect(texts(c)).toEqual([["Hello, CSV world"], ["Second row", "Third row, same chat"]]);
    expect(c[0]?.turns[0]?.maxTokens).toBe(10);
    expect(c[1]?.sessionId).toBe("chat1");
    expect(c[1]?.turns.map((t) => t.maxTokens)).toEqual([undefined, 5]);
  });

  test("sharegpt: upstream's length filters; max_tokens = completion tokens", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const c = await load("sharegpt", fixture("sharegpt.json"));
    expect(texts(c).map((t) => t[0]?.slice(0, 20))).toEqual(["Please write a short", "Explain JSON arrays "]);
    expect(c[0]?.turns[0]?.maxTokens).toBe(tokenizer.count("The sea rolls in, the sea rolls out, and waves keep time without a doubt."));
    // With --osl the completion length is not checked and max_tokens comes from --osl.
    const withOsl = await load("sharegpt", fixture("sharegpt.json"), { osl: 10 });
    expect(withOsl.length).toBe(3);
    expect(withOsl[0]?.turns[0]?.maxTokens).toBeUndefined();
  });

  test("inputs_json: each recorded payload kept as is", async () => {
    const c = await load("inputs_json", fixture("inputs.json"));
    expect(c.map((x) => x.sessionId)).toEqual(["replay-1", "replay-2"]);
    expect(c[0]?.turns[0]?.payload).toEqual({ messages: [{ role: "user", content: "Replayed prompt one" }], model: "recorded-model", max_completion_tokens: 9, stream: false });
  });
});

describe("bad input stops with file:line: what is wrong", () => {
  const bad = (name: string): string => fixture("bad", name);
  test.each([
    ["single_turn", "invalid-json.jsonl", ":2: invalid JSON"],
    ["single_turn", "unknown-field.jsonl", ':3: unknown field "prompt"'],
    ["single_turn", "both-modalities.jsonl", ':1: "text" and "texts" cannot both be given'],
    ["single_turn", "empty.jsonl", ":1: the file is empty"],
    ["mooncake_trace", "empty.jsonl", ":1: the file is empty"],
    ["mooncake_trace", "mooncake-block.jsonl", ":2: input_length 30 does not fit 2 hash_ids of --isl-block-size 8: the last block would have 22 tokens"],
    ["mooncake_trace", "mooncake-unknown.jsonl", ':2: unknown field "extra"'],
    ["csv", "no-header.csv", ":1: a header row is required"],
  ] as const)("%s %s", async (format, name, expected) => {
    const message = await failure(load(format, bad(name)));
    expect(message).toContain(`DatasetInputError: ${bad(name)}${expected}`);
  });

  test("a missing file", async () => {
    expect(await failure(load("single_turn", fixture("nope.jsonl")))).toContain("nope.jsonl: no such file or directory");
  });
});
