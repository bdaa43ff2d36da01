import { describe, expect, test } from "bun:test";
import { resolveDatasetInput } from "../../src/config/dataset-input.ts";
import { ProfileConfig } from "../../src/config/profile-schema.ts";
import { corpusSlicer, createHashBlocks, finalBlockSize } from "../../src/dataset/loaders/hash-blocks.ts";
import { readBuiltinCorpus, tokenizeCorpus } from "../../src/dataset/synthetic/index.ts";
import { datasetFormat } from "../../src/dataset/loaders/index.ts";
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDataset } from "../../src/protocol/dataset-file.ts";
import { buildFileDataset, writeFileDataset } from "../../src/services/dataset/from-file.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import * as v from "valibot";
import { datasetConfig, failure, fixture, load } from "./support.ts";

const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

describe("request bodies from file turns", () => {
  test("chat: texts, image parts, per-turn model and max_tokens, ISL counted", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const cfg = datasetConfig({ model: ["m1", "m2"] });
    const built = buildFileDataset(await load("single_turn", fixture("single-turn.jsonl")), tokenizer, cfg, 1);
    const bodies = built.conversations.map((c) => decode(c.turns[0]?.body as Uint8Array));
    expect(bodies[0]).toEqual({ messages: [{ role: "user", name: "text", content: "What is deep learning?" }], model: "m1", stream: false });
    expect(bodies[1]).toMatchObject({ model: "m2", max_completion_tokens: 12 });
    expect(bodies[3]).toEqual({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe this image." },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
      ],
      model: "other-model",
      stream: false,
    });
    expect(built.conversations[0]?.turns[0]?.inputTokens).toBe(tokenizer.count("What is deep learning?"));
    expect(built.inputs[3]?.payloads[0]).toEqual(bodies[3]);
  });

  test("multi-turn: every turn is stored", async () => {
    const built = buildFileDataset(await load("multi_turn", fixture("multi-turn.jsonl")), await loadBuiltinTokenizer(), datasetConfig(), 1);
    expect(built.conversations[0]?.turns.length).toBe(3);
    expect(built.turns).toBe(5);
  });

  test("rankings: the text named query leads", async () => {
    const built = buildFileDataset(
      await load("single_turn", fixture("single-turn.jsonl")),
      await loadBuiltinTokenizer(),
      datasetConfig({ endpointType: "rankings" }),
      1,
    );
    expect(decode(built.conversations[2]?.turns[0]?.body as Uint8Array)).toEqual({
      model: "m",
      query: { text: "What is a cat?" },
      passages: [{ text: "A cat is a feline." }, { text: "Dogs bark." }],
    });
  });

  test("inputs_json payloads are sent byte for byte as recorded, --extra-inputs not merged", async () => {
    const built = buildFileDataset(
      await load("inputs_json", fixture("inputs.json")),
      await loadBuiltinTokenizer(),
      datasetConfig({ extraInputs: [["x", 1]] }),
      1,
    );
    expect(decode(built.conversations[0]?.turns[0]?.body as Uint8Array)).toEqual({
      messages: [{ role: "user", content: "Replayed prompt one" }],
      model: "recorded-model",
      max_completion_tokens: 9,
      stream: false,
    });
    expect(built.conversations[1]?.turns[0]?.inputTokens).toBeGreaterThan(0);
  });
});

describe("streamed dataset.bin and inputs.json (the role's path)", () => {
  test.each([
    ["mooncake_trace", "mooncake.jsonl"],
    ["mooncake_trace", "mooncake-sessions.jsonl"],
    ["multi_turn", "multi-turn.jsonl"],
    ["single_turn", "single-turn-timed.jsonl"],
    ["csv", "dataset.csv"],
    ["random_pool", "pool"],
    ["inputs_json", "inputs.json"],
  ] as const)("%s %s: the same conversations, order, bodies, ISL and inputs.json as loading it whole", async (format, name) => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-stream-"));
    const cfg = datasetConfig({ datasetPath: join(dir, "dataset.bin"), inputsJsonPath: join(dir, "inputs.json") });
    const tokenizer = await loadBuiltinTokenizer();
    const written = await writeFileDataset(format, fixture(name), tokenizer, cfg, 1);
    const built = buildFileDataset(await load(format, fixture(name)), tokenizer, cfg, 1);
    expect([written.conversations, written.turns]).toEqual([built.conversations.length, built.turns]);
    const ds = openDataset(cfg.datasetPath);
    built.conversations.forEach((conversation, c) => {
      expect(ds.conversationId(c)).toBe(conversation.id);
      expect(ds.turnCount(c)).toBe(conversation.turns.length);
      conversation.turns.forEach((turn, t) => {
        expect(ds.body(c, t)).toEqual(turn.body);
        expect([ds.inputTokens(c, t), ds.delayMs(c, t), ds.timestampMs(c, t)]).toEqual([turn.inputTokens, turn.delayMs ?? 0, turn.timestampMs ?? null]);
      });
    });
    expect(readFileSync(cfg.inputsJsonPath, "utf8")).toBe(JSON.stringify({ data: built.inputs }, null, 2));
  });

  test("the inputs.json written replays as inputs_json: the same sessions and bodies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-stream-"));
    const cfg = datasetConfig({ datasetPath: join(dir, "dataset.bin"), inputsJsonPath: join(dir, "inputs.json") });
    await writeFileDataset("mooncake_trace", fixture("mooncake-sessions.jsonl"), await loadBuiltinTokenizer(), cfg, 1);
    const ds = openDataset(cfg.datasetPath);
    const replayed = await load("inputs_json", cfg.inputsJsonPath);
    expect(replayed.map((c) => c.sessionId)).toEqual(["a", "b"]);
    replayed.forEach((c, i) => c.turns.forEach((turn, t) => expect(turn.payload).toEqual(decode(ds.body(i, t)))));
  });

  test("a trace out of timestamp order is served sorted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-stream-"));
    const cfg = datasetConfig({ datasetPath: join(dir, "dataset.bin"), inputsJsonPath: join(dir, "inputs.json") });
    await writeFileDataset("mooncake_trace", fixture("mooncake.jsonl"), await loadBuiltinTokenizer(), cfg, 1);
    const ds = openDataset(cfg.datasetPath);
    expect(Array.from({ length: ds.conversations }, (_, c) => ds.timestampMs(c, 0))).toEqual([0, 1000, 2000, 3000]);
  });

  test("bad input midway: the error names the line and no dataset.bin or inputs.json is left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-stream-"));
    const input = join(dir, "trace.jsonl");
    writeFileSync(input, `${'{"input_length": 4, "timestamp": 1}\n'.repeat(3)}{"input_length": 4, "oops": 1}\n`);
    const cfg = datasetConfig({ datasetPath: join(dir, "dataset.bin"), inputsJsonPath: join(dir, "inputs.json") });
    expect(await failure(writeFileDataset("mooncake_trace", input, await loadBuiltinTokenizer(), cfg, 1))).toContain(`${input}:4: unknown field "oops"`);
    expect([existsSync(cfg.datasetPath), existsSync(cfg.inputsJsonPath)]).toEqual([false, false]);
  });
});

describe("hash-id blocks", () => {
  test("final block rule", () => {
    expect(finalBlockSize(1024, 2, 512)).toBe(512);
    expect(finalBlockSize(513, 2, 512)).toBe(1);
    expect(finalBlockSize(512, 2, 512)).toContain("the last block would have 0 tokens");
    expect(finalBlockSize(1025, 2, 512)).toContain("input_length must be in 513..1024");
  });

  test("the same id yields the same text in every prompt; a short last block is its prefix", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const corpus = Uint32Array.from(tokenizer.encode("the quick brown fox jumps over the lazy dog and keeps running far away ".repeat(20)));
    const blocks = createHashBlocks(tokenizer, corpus, 6, 3);
    const full = blocks.prompt([5], 6);
    expect(blocks.prompt([5], 6)).toBe(full);
    expect(blocks.prompt([9, 5], 6).endsWith(full)).toBe(true);
    expect(full.startsWith(blocks.prompt([5], 3))).toBe(true);
  });

  test("distinct ids, however large or negative, get their own blocks; the same seed the same ones in any order, another seed others", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const corpus = tokenizeCorpus(await readBuiltinCorpus(), tokenizer);
    const ids = [0, 1, 2, 9, -9, 2 ** 32, 2 ** 40, 2 ** 40 + 1, Number.MAX_SAFE_INTEGER];
    const blocks = createHashBlocks(tokenizer, corpus, 64, 3);
    const texts = ids.map((id) => blocks.prompt([id], 64));
    expect(new Set(texts).size).toBe(ids.length);
    const again = createHashBlocks(tokenizer, corpus, 64, 3);
    expect(ids.toReversed().map((id) => again.prompt([id], 64))).toEqual(texts.toReversed());
    const other = createHashBlocks(tokenizer, corpus, 64, 4);
    expect(ids.filter((id, i) => other.prompt([id], 64) === texts[i])).toEqual([]);
  });
});

describe("hash-id block text as corpus slices", () => {
  test("a slice of the decoded corpus equals decoding the window, wrapping included", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const corpus = tokenizeCorpus(await readBuiltinCorpus(), tokenizer);
    const slice = corpusSlicer(tokenizer, corpus);
    expect(slice).not.toBeNull();
    const window = (start: number, n: number) => Array.from({ length: n }, (_, i) => corpus[(start + i) % corpus.length] as number);
    for (const [start, n] of [
      [0, 512],
      [12345, 1],
      [corpus.length - 100, 512],
      [corpus.length - 1, 3],
      [777, 300],
    ] as const) {
      expect(slice?.(start, n)).toBe(tokenizer.decode(window(start, n)));
    }
  });

  test("a tokenizer whose windows do not decode to the joined pieces gets no slicer", async () => {
    const real = await loadBuiltinTokenizer();
    // Decoding adds a marker at each window start: per-token pieces would repeat it.
    const odd = { ...real, decode: (ids: readonly number[]) => `>${real.decode(ids)}` };
    expect(corpusSlicer(odd, Uint32Array.from(real.encode("a few words to slice up here")))).toBeNull();
  });
});

describe("dataset flags", () => {
  const cfg = (input: Record<string, unknown>) => v.parse(ProfileConfig, { model: ["m"], ...input });
  test("format choice: public dataset, csv by extension, default single_turn", () => {
    expect(datasetFormat({ inputFile: "a.jsonl" })).toBe("single_turn");
    expect(datasetFormat({ inputFile: "a.CSV" })).toBe("csv");
    expect(datasetFormat({ inputFile: "a.csv", customDatasetType: "multi_turn" })).toBe("multi_turn");
    expect(datasetFormat({ inputFile: "a.json", publicDataset: "sharegpt" })).toBe("sharegpt");
  });

  test("§1.4 checks", () => {
    expect(() => resolveDatasetInput(cfg({ publicDataset: "sharegpt", customDatasetType: "single_turn", inputFile: fixture("sharegpt.json") }))).toThrow(
      "--public-dataset and --custom-dataset-type cannot be used together",
    );
    expect(() => resolveDatasetInput(cfg({ inputFile: fixture("missing.jsonl") }))).toThrow("does not exist");
    expect(() => resolveDatasetInput(cfg({ customDatasetType: "mooncake_trace" }))).toThrow("needs --input-file");
    expect(() => resolveDatasetInput(cfg({ inputFile: fixture("pool") }))).toThrow("is a directory");
    try {
      resolveDatasetInput(cfg({ publicDataset: "sharegpt" }));
      throw new Error("no error");
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain("huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered");
    }
  });

  test("mooncake traces: count from the dataset unless given, served in order", () => {
    expect(resolveDatasetInput(cfg({ customDatasetType: "mooncake_trace", inputFile: fixture("mooncake.jsonl") }))).toEqual({
      datasetFormat: "mooncake_trace",
      requestCountFromDataset: true,
      sequentialDataset: true,
    });
    expect(
      resolveDatasetInput(cfg({ customDatasetType: "mooncake_trace", inputFile: fixture("mooncake.jsonl"), requestCount: 3 })).requestCountFromDataset,
    ).toBe(false);
    expect(resolveDatasetInput(cfg({})).datasetFormat).toBeNull();
  });
});

describe("inputs.json writer", () => {
  test("writes exactly what JSON.stringify(…, null, 2) gives", async () => {
    const { createInputsJsonWriter } = await import("../../src/services/dataset/inputs-file.ts");
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "inputs-json-"));
    const data = [
      { session_id: "a", payloads: [{ messages: [{ role: "user", content: "x\ny" }], model: "m", nested: { deep: [1, { k: "v" }] } }] },
      { session_id: "b", payloads: [{ prompt: "p" }, { prompt: "q" }] },
    ];
    for (const sample of [data, []]) {
      const writer = createInputsJsonWriter(join(dir, "inputs.json"));
      for (const entry of sample)
        writer.entry(
          entry.session_id,
          entry.payloads.map((payload) => new TextEncoder().encode(JSON.stringify(payload))),
        );
      await writer.close();
      expect(readFileSync(join(dir, "inputs.json"), "utf8")).toBe(JSON.stringify({ data: sample }, null, 2));
    }
  });
});
