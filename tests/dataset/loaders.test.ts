/** The file loaders: what each format yields, and the `file:line: what is wrong` of bad input. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Conversation, type DatasetFormat, LOADERS } from "../../src/dataset/loaders/index.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { failure, fixture, load } from "./support.ts";

const texts = (c: Conversation[]): string[][] => c.map((conv) => conv.turns.flatMap((t) => t.texts.flatMap((m) => m.contents)));

describe("file loaders", () => {
  test("the registry holds every format", () => {
    expect([...LOADERS.keys()].sort()).toEqual(["csv", "inputs_json", "mooncake_trace", "multi_turn", "random_pool", "raw_payload", "sharegpt", "single_turn"]);
  });

  test("single_turn: one conversation per non-empty line, plural and named modalities, settings", async () => {
    const c = await load("single_turn", fixture("single-turn.jsonl"));
    expect(c.length).toBe(4);
    expect(texts(c)).toEqual([
      ["What is deep learning?"],
      ["Explain attention.", "Explain transformers."],
      ["What is a cat?", "A cat is a feline.", "Dogs bark."],
      ["Describe this image."],
    ]);
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
    expect(c.map((x) => [x.sessionId, x.turns.length])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(String(texts(c)[0]?.[1]).startsWith(texts(c)[0]?.[0] as string)).toBe(true);
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
    expect(c[0]?.turns[0]?.payload).toEqual({
      messages: [{ role: "user", content: "Replayed prompt one" }],
      model: "recorded-model",
      max_completion_tokens: 9,
      stream: false,
    });
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

describe("bad input in every format: file:line: what is wrong", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bad-input-"));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const cases: [DatasetFormat, string, string, string][] = [
    ["single_turn", "st-json.jsonl", '{"text": "ok"}\n{"text": "ok"\n', ":2: invalid JSON"],
    ["single_turn", "st-array.jsonl", '{"text": "ok"}\n["x"]\n', ":2: expected a JSON object"],
    ["multi_turn", "mt-json.jsonl", '{"turns": [{"text": "a"}]}\n\n{"turns": [\n', ":3: invalid JSON"],
    ["multi_turn", "mt-unknown.jsonl", '{"turns": [{"text": "a"}], "user": "x"}\n', ':1: unknown field "user" (allowed: session_id, turns)'],
    ["multi_turn", "mt-unknown-turn.jsonl", '{"turns": [{"text": "a"}]}\n{"turns": [{"text": "a", "prompt": "b"}]}\n', ':2: unknown field "prompt"'],
    [
      "multi_turn",
      "mt-both.jsonl",
      '{"turns": [{"text": "a"}]}\n{"turns": [{"image": "a.png", "images": ["b.png"], "text": "x"}]}\n',
      ':2: "image" and "images" cannot both be given',
    ],
    ["multi_turn", "mt-empty.jsonl", "\n\n", ":1: the file is empty"],
    ["random_pool", "rp-json.jsonl", '{"text": "a"}\n{text: "b"}\n', ":2: invalid JSON"],
    ["random_pool", "rp-unknown.jsonl", '{"text": "a", "timestamp": 5}\n', ':1: unknown field "timestamp"'],
    ["random_pool", "rp-both.jsonl", '{"audio": "wav,AAAA", "audios": ["wav,BBBB"]}\n', ':1: "audio" and "audios" cannot both be given'],
    ["random_pool", "rp-empty.jsonl", "", ":1: the file is empty"],
    ["mooncake_trace", "mc-json.jsonl", '{"input_length": 4}\n{"input_length": 4,}\n', ":2: invalid JSON"],
    ["mooncake_trace", "mc-both.jsonl", '{"input_length": 4, "text_input": "hello"}\n', ':1: "input_length" and "text_input" cannot both be given'],
    [
      "mooncake_trace",
      "mc-block.jsonl",
      '{"input_length": 8, "hash_ids": [1]}\n{"input_length": 9, "hash_ids": [1]}\n',
      ":2: input_length 9 does not fit 1 hash_ids of --isl-block-size 8",
    ],
    [
      "mooncake_trace",
      "mc-block-short.jsonl",
      '{"input_length": 8, "hash_ids": [1, 2]}\n',
      ":1: input_length 8 does not fit 2 hash_ids of --isl-block-size 8: the last block would have 0 tokens",
    ],
    ["mooncake_trace", "mc-hash-text.jsonl", '{"text_input": "hi", "hash_ids": [1]}\n', ':1: "hash_ids" needs "input_length", not "text_input"'],
    ["csv", "csv-empty.csv", "", ":1: the file is empty"],
    ["csv", "csv-unknown.csv", "text,prompt\na,b\n", ':1: unknown column "prompt"'],
    ["csv", "csv-cells.csv", "text,max_tokens\na,1\nb,2,3\n", ":3: expected 2 cells as in the header row, got 3"],
    ["sharegpt", "sg-json.json", '[\n  {"conversations": []},\n  {"conversations": [1,]}\n]\n', ":3: invalid JSON"],
    ["sharegpt", "sg-empty.json", "  \n", ":1: the file is empty"],
    ["inputs_json", "ij-empty.json", "\n", ":1: the file is empty"],
    [
      "inputs_json",
      "ij-json.json",
      '{\n  "data": [\n    {"session_id": "a", "payloads": [{"x": 1}]},\n    {"session_id": "b", "payloads": [{"x": }]}\n  ]\n}\n',
      ":4: invalid JSON",
    ],
    ["inputs_json", "ij-shape.json", '[{"payloads": [{"x": 1}]}]\n', ':1: expected {"data": [ … ]}'],
    [
      "inputs_json",
      "ij-payloads.json",
      '{"data": [\n  {"session_id": "a", "payloads": [{"x": 1}]},\n  {"session_id": "b", "payloads": []}\n]}\n',
      ":3: data[1].payloads must be a non-empty list",
    ],
    ["inputs_json", "ij-after.json", '{"data": [{"payloads": [{"x": 1}]}]}\n{"data": []}\n', ":2: unexpected text after the closing ]"],
  ];
  test.each(cases)("%s %s", async (format, name, text, expected) => {
    const path = file(name, text);
    expect(await failure(load(format, path))).toContain(`DatasetInputError: ${path}${expected}`);
  });
});

describe("csv line numbers follow the file, not the row count", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-csv-lines-"));
  test.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ])("quoted cells spanning lines and blank lines (%s)", async (_name, eol) => {
    const path = join(dir, `lines-${_name}.csv`);
    const lines = ["text,max_tokens", '"line one', "line two", 'line three",5', "", "ok,6", '"spans', 'two lines",x'];
    writeFileSync(path, lines.join(eol) + eol);
    // The bad row starts on line 7 (rows counted one per line would say 5).
    expect(await failure(load("csv", path))).toContain(`${path}:7: "max_tokens" must be a number, got "x"`);
  });

  test("rows before the bad one load with their multi-line text intact", async () => {
    const path = join(dir, "ok.csv");
    writeFileSync(path, 'text,max_tokens\n"a\nb",1\nc,2\n');
    const c = await load("csv", path);
    expect(texts(c)).toEqual([["a\nb"], ["c"]]);
    expect(c.map((x) => x.turns[0]?.maxTokens)).toEqual([1, 2]);
  });
});
