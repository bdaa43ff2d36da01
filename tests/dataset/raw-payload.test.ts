/** raw_payload: verbatim request bodies from a file (one per line) or a directory (one conversation per .jsonl file). */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveDatasetInput } from "../../src/config/dataset-input.ts";
import type { ProfileConfig } from "../../src/config/profile-schema.ts";
import { buildFileDataset } from "../../src/services/dataset/from-file.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { datasetConfig, failure, fixture, load } from "./support.ts";

const scratch = (): string => mkdtempSync(join(tmpdir(), "aiperf-raw-payload-"));

describe("raw_payload loader", () => {
  test("a file: each non-empty line is one single-turn conversation with its body kept whole", async () => {
    const c = await load("raw_payload", fixture("raw-payload.jsonl"));
    expect(c.length).toBe(3);
    expect(c.map((x) => x.turns.length)).toEqual([1, 1, 1]);
    expect(c[0]?.turns[0]?.payload).toEqual({ messages: [{ role: "user", content: "What is machine learning?" }], model: "m1", max_tokens: 5 });
    // Not only chat bodies: anything that is a JSON object goes out as it is.
    expect(c[2]?.turns[0]?.payload).toEqual({ input: ["embed me"], model: "e1" });
    expect(new Set(c.map((x) => x.sessionId)).size).toBe(3);
  });

  test("a directory: each .jsonl file, in name order, is one conversation; other and empty files are skipped", async () => {
    const c = await load("raw_payload", fixture("raw-payload-dir"));
    expect(c.map((x) => x.turns.length)).toEqual([2, 1]);
    const last = c[0]?.turns[1]?.payload as { messages: unknown[] };
    expect(last.messages).toHaveLength(3);
    expect((c[1]!.turns[0]!.payload as { messages: { content: string }[] }).messages[0]?.content).toBe("Explain REST APIs.");
  });

  test("bodies are stored byte-equal, --extra-inputs and --model not applied; ISL counts the prompt texts", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const built = buildFileDataset(
      await load("raw_payload", fixture("raw-payload.jsonl")),
      tokenizer,
      datasetConfig({ model: ["other"], extraInputs: [["x", 1]] }),
      1,
    );
    expect(built.inputs[1]?.payloads[0]).toEqual({ messages: [{ role: "user", content: "Explain neural networks." }], model: "m1", temperature: 0.7 });
    expect(built.conversations[0]?.turns[0]?.inputTokens).toBe(tokenizer.count("What is machine learning?"));
    expect(built.conversations[2]?.turns[0]?.inputTokens).toBe(tokenizer.count("embed me"));
  });

  test("bad lines stop with file:line: what is wrong", async () => {
    const dir = scratch();
    const json = join(dir, "bad.jsonl");
    writeFileSync(json, '{"messages": []}\n\n{"messages": [}\n');
    expect(await failure(load("raw_payload", json))).toContain(`DatasetInputError: ${json}:3: invalid JSON`);
    const array = join(dir, "array.jsonl");
    writeFileSync(array, '{"messages": []}\n[1, 2]\n');
    expect(await failure(load("raw_payload", array))).toContain(`${array}:2: expected a JSON object`);
    const empty = join(dir, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "readme.txt"), "{}\n");
    expect(await failure(load("raw_payload", empty))).toContain(`${empty}: the directory holds no .jsonl files`);
    const blank = join(dir, "blank.jsonl");
    writeFileSync(blank, "\n\n");
    expect(await failure(load("raw_payload", blank))).toContain(`${blank}: no conversations in the file`);
  });

  test("config: a directory is accepted for raw_payload (not for single_turn) and is served in file order", () => {
    const cfg = (over: Partial<ProfileConfig>) => ({ inputFile: fixture("raw-payload-dir"), ...over }) as ProfileConfig;
    expect(resolveDatasetInput(cfg({ customDatasetType: "raw_payload" }))).toMatchObject({ datasetFormat: "raw_payload", sequentialDataset: true });
    expect(() => resolveDatasetInput(cfg({ customDatasetType: "single_turn" }))).toThrow("random_pool and raw_payload read directories");
  });

  test("without --custom-dataset-type, chat bodies are detected as raw_payload (upstream's rule), other formats are not", () => {
    const format = (inputFile: string, over: Partial<ProfileConfig> = {}) => resolveDatasetInput({ inputFile, ...over } as ProfileConfig).datasetFormat;
    expect(format(fixture("raw-payload.jsonl"))).toBe("raw_payload");
    expect(format(fixture("raw-payload-dir"))).toBe("raw_payload");
    expect(format(fixture("single-turn.jsonl"))).toBe("single_turn");
    expect(format(fixture("dataset.csv"))).toBe("csv");
    expect(format(fixture("inputs.json"))).toBe("single_turn");
    // A record naming conversation_id is not taken for a payload; an explicit type always wins.
    const traced = join(scratch(), "t.jsonl");
    writeFileSync(traced, '{"conversation_id": "c", "messages": []}\n');
    expect(format(traced)).toBe("single_turn");
    expect(format(fixture("raw-payload.jsonl"), { customDatasetType: "single_turn" })).toBe("single_turn");
  });
});
