/**
 * Spliced request bodies (splice-body.ts, Turn.textSpans from hash_ids blocks) are byte for byte
 * what JSON.stringify of the built body gives, for every endpoint type that splices, over random
 * traces and texts with quotes, backslashes, control characters and non-ASCII text; dataset.bin
 * keeps them as recipes (spans into the corpus written once) and gives the same bytes back.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import { createHashBlocks } from "../../src/dataset/loaders/hash-blocks.ts";
import { readBuiltinCorpus, tokenizeCorpus } from "../../src/dataset/synthetic/index.ts";
import type { EndpointType } from "../../src/protocol/endpoint-types.ts";
import { openDataset } from "../../src/protocol/dataset-file.ts";
import { buildFileDataset, writeFileDataset } from "../../src/services/dataset/from-file.ts";
import { requestBody } from "../../src/services/dataset/request-body.ts";
import { createBodySplicer, SPLICEABLE } from "../../src/services/dataset/splice-body.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { datasetConfig, load, spanBytes, spansOf, splicedBytes } from "./support.ts";

const encoder = new TextEncoder();
const escaped = (text: string): Uint8Array => encoder.encode(JSON.stringify(text).slice(1, -1));

const ALPHABET = ['"', "\\", "\n", "\t", "\u0001", "\u001f", "/", "é", "—", "“", "”", "漢", "😀", "a", "b", " ", "'", "<", "\u2028", "ß"];
function randomText(rng: ReturnType<typeof createRng>): string {
  let text = "";
  for (let n = rng.int(40); n > 0; n--) text += ALPHABET[rng.int(ALPHABET.length)];
  return text;
}

describe("body splicer", () => {
  test.each([...SPLICEABLE].map((t) => [t]))("%s: parts equal JSON.stringify of the real body, compact and indented", (endpointType) => {
    const rng = createRng(7);
    for (let i = 0; i < 200; i++) {
      const splicer = createBodySplicer();
      const opts = {
        endpointType: endpointType as EndpointType,
        streaming: i % 2 === 0,
        extraInputs: i % 3 === 0 ? ([["temperature", 0.5]] as [string, unknown][]) : [],
      };
      const turnOf = (text: string) => ({ model: i % 5 === 0 ? "mödel “x”" : "m", texts: [text], maxTokens: i % 4 === 0 ? null : 1 + rng.int(100) });
      const text = randomText(rng);
      const fixed = turnOf(text);
      const build = (t: string) => requestBody({ ...fixed, texts: [t] }, opts);
      // The text's bytes cut at a random character boundary: two ranges, joined as they come.
      const cut = rng.int(text.length + 1);
      const safe = cut > 0 && text.charCodeAt(cut - 1) >= 0xd800 && text.charCodeAt(cut - 1) <= 0xdbff ? cut - 1 : cut;
      const spans = spansOf([escaped(text.slice(0, safe)), escaped(text.slice(safe))]);
      const skeleton = splicer(`${i}`, i % 3 === 0 ? null : i, build);
      if (skeleton === null) throw new Error("not spliced");
      expect(splicedBytes(skeleton.body, spans)).toEqual(encoder.encode(JSON.stringify(build(text))));
      // As inputs.json shows a payload: indented by 2, its lines 8 spaces in.
      expect(splicedBytes(skeleton.indented, spans)).toEqual(encoder.encode(JSON.stringify(build(text), null, 2).replaceAll("\n", "\n        ")));
    }
  });

  test("one splicer over many models and max_tokens picks each turn's own skeleton, past the cache's size", () => {
    const splicer = createBodySplicer();
    const opts = { endpointType: "chat" as EndpointType, streaming: false, extraInputs: [] as [string, unknown][] };
    for (let i = 0; i < 5000; i++) {
      const model = `m${i % 3}`;
      const maxTokens = i % 7 === 0 ? null : 1 + ((i * 31) % 4500);
      const build = (t: string) => requestBody({ model, texts: [t], maxTokens }, opts);
      const skeleton = splicer(`${model}\nuser\n`, maxTokens, build);
      expect(splicedBytes(skeleton?.body ?? [], spansOf([escaped(`text ${i}`)]))).toEqual(encoder.encode(JSON.stringify(build(`text ${i}`))));
    }
  });

  test("a body without the text (--extra-inputs replaced it) is not spliced", () => {
    const build = (t: string) =>
      requestBody({ model: "m", texts: [t], maxTokens: 3 }, { endpointType: "chat", streaming: false, extraInputs: [["messages", []]] });
    expect(createBodySplicer()("k", null, build)).toBeNull();
  });
});

describe("hash-id block bytes", () => {
  test("Moby-Dick corpus: promptSpans is the escaped UTF-8 of prompt, wrapping included", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const corpus = tokenizeCorpus(await readBuiltinCorpus(), tokenizer);
    const blocks = createHashBlocks(tokenizer, corpus, 512, 5);
    const rng = createRng(3);
    for (let i = 0; i < 300; i++) {
      const ids = Array.from({ length: 1 + rng.int(4) }, () => rng.int(50));
      const final = 1 + rng.int(512);
      const spans = blocks.promptSpans(ids, final);
      if (spans === null) throw new Error("no spans");
      expect(spanBytes(spans)).toEqual(escaped(blocks.prompt(ids, final)));
    }
  });

  test("a corpus of quotes, backslashes, control characters, emoji and CJK", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const rng = createRng(11);
    let text = "";
    for (let i = 0; i < 400; i++) text += `${randomText(rng)} word${i} `;
    const corpus = Uint32Array.from(tokenizer.encode(text));
    const blocks = createHashBlocks(tokenizer, corpus, 16, 2);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const ids = Array.from({ length: 1 + rng.int(3) }, () => rng.int(1000));
      const final = 1 + rng.int(16);
      const spans = blocks.promptSpans(ids, final);
      if (spans === null) continue;
      checked++;
      expect(spanBytes(spans)).toEqual(escaped(blocks.prompt(ids, final)));
    }
    // Every window is sliced: the builtin tokenizer keeps these characters whole.
    expect(checked).toBe(300);
  });
});

describe("spliced dataset.bin bodies", () => {
  test("random traces, every splicing endpoint type: dataset.bin and inputs.json as the builder makes them", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const dir = mkdtempSync(join(tmpdir(), "aiperf-splice-"));
    try {
      const rng = createRng(5);
      const types = [...SPLICEABLE];
      for (let k = 0; k < types.length; k++) {
        const block = 4 + rng.int(12);
        // In time order: models and --osl values go round robin in the order turns are built.
        const lines: string[] = [];
        for (let i = 0; i < 25; i++) {
          const ids = Array.from({ length: 1 + rng.int(4) }, () => rng.int(30));
          const input = (ids.length - 1) * block + 1 + rng.int(block);
          const out = rng.int(3) === 0 ? "" : `, "output_length": ${1 + rng.int(50)}`;
          lines.push(
            i % 9 === 4
              ? `{"timestamp": ${i * 7}, "text_input": ${JSON.stringify(randomText(rng).replaceAll("\u2028", " "))}}`
              : `{"timestamp": ${i * 7}, "input_length": ${input}, "hash_ids": [${ids.join(",")}]${out}}`,
          );
        }
        const trace = join(dir, `trace-${k}.jsonl`);
        writeFileSync(trace, `${lines.join("\n")}\n`);
        const over = {
          endpointType: types[k] as EndpointType,
          streaming: k % 2 === 1,
          blockSize: block,
          model: k % 3 === 0 ? ["a", "b"] : ["m"],
          osl: k % 4 === 0 ? 20 : null,
          extraInputs: k % 5 === 0 ? ([["top_p", 0.9]] as [string, unknown][]) : [],
          datasetPath: join(dir, `d-${k}.bin`),
          inputsJsonPath: join(dir, `inputs-${k}.json`),
        };
        const cfg = datasetConfig(over);
        const loaded = await load("mooncake_trace", trace, over);
        expect(loaded.filter((c) => c.turns[0]?.textSpans !== undefined).length).toBeGreaterThan(15);
        await writeFileDataset("mooncake_trace", trace, tokenizer, cfg, 1);
        const built = buildFileDataset(loaded, tokenizer, cfg, 1);
        const ds = openDataset(cfg.datasetPath);
        expect(ds.conversations).toBe(built.conversations.length);
        built.conversations.forEach((conversation, c) => expect(ds.body(c, 0)).toEqual(conversation.turns[0]?.body as Uint8Array));
        expect(readFileSync(cfg.inputsJsonPath, "utf8")).toBe(JSON.stringify({ data: built.inputs }, null, 2));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a trace too far out of order: bodies stored as recipes (the file is smaller than they are), inputs.json read back the same", async () => {
    const tokenizer = await loadBuiltinTokenizer();
    const dir = mkdtempSync(join(tmpdir(), "aiperf-splice-"));
    try {
      const rng = createRng(8);
      const lines: string[] = [];
      for (let i = 0; i < 600; i++) {
        const ids = Array.from({ length: 1 + rng.int(4) }, () => rng.int(200));
        const input = (ids.length - 1) * 512 + 1 + rng.int(512);
        // The last line is the earliest: inputs.json cannot be written in the same pass.
        const ts = i === 599 ? 0 : 1 + i * 5;
        lines.push(
          i % 50 === 7
            ? `{"timestamp": ${ts}, "text_input": "plain “é” ${i}", "output_length": 3}`
            : `{"timestamp": ${ts}, "input_length": ${input}, "hash_ids": [${ids.join(",")}], "output_length": ${1 + rng.int(50)}}`,
        );
      }
      const trace = join(dir, "trace.jsonl");
      writeFileSync(trace, `${lines.join("\n")}\n`);
      const over = { blockSize: 512, datasetPath: join(dir, "d.bin"), inputsJsonPath: join(dir, "inputs.json") };
      const cfg = datasetConfig(over);
      await writeFileDataset("mooncake_trace", trace, tokenizer, cfg, 1);
      const built = buildFileDataset(await load("mooncake_trace", trace, over), tokenizer, cfg, 1);
      const ds = openDataset(cfg.datasetPath);
      expect(ds.conversations).toBe(600);
      let bodyBytes = 0;
      built.conversations.forEach((conversation, c) => {
        const body = ds.body(c, 0);
        bodyBytes += body.length;
        expect(body).toEqual(conversation.turns[0]?.body as Uint8Array);
      });
      expect(statSync(cfg.datasetPath).size).toBeLessThan(bodyBytes / 2);
      expect(readFileSync(cfg.inputsJsonPath, "utf8")).toBe(JSON.stringify({ data: built.inputs }, null, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
