/**
 * inputs.json in the same pass as dataset.bin (inputs-in-order.ts): conversations written in
 * serving order (stable by first timestamp, untimed first) while a window of held ones can put
 * them there; given up (file removed, caller falls back) as soon as it cannot.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import { openDataset } from "../../src/protocol/dataset-file.ts";
import { buildFileDataset, writeFileDataset } from "../../src/services/dataset/from-file.ts";
import { createInOrderInputs } from "../../src/services/dataset/inputs-in-order.ts";
import { createInputsThread } from "../../src/services/dataset/inputs-thread.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { datasetConfig, load, spansOf } from "./support.ts";

const encoder = new TextEncoder();
const body = (value: unknown) => encoder.encode(JSON.stringify(value));
/** A payload as a spliced body gives it: indented pieces with a text (here 3 bytes from the middle) between them. */
const indented = (value: unknown) => {
  const whole = encoder.encode(JSON.stringify(value, null, 2).replaceAll("\n", "\n        "));
  const cut = whole.length >> 1;
  return { pieces: [whole.slice(0, cut), whole.slice(cut + 3)], text: spansOf([whole.slice(cut, cut + 3)]) };
};

async function withDir(f: (path: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-inputs-"));
  try {
    await f(join(dir, "inputs.json"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The same writer in this thread and on a worker thread (what the dataset service uses): the same bytes.
describe.each([
  ["in this thread", createInOrderInputs],
  ["on a worker thread", createInputsThread],
] as const)("inputs.json in the same pass, %s", (_, createInOrderInputs) => {
  test("in serving order (untimed first, equal times kept): what JSON.stringify(…, null, 2) gives", () =>
    withDir(async (path) => {
      const inputs = createInOrderInputs(path);
      const scratch = body({ a: [1, { b: 'x"y' }], c: {} });
      inputs.conversation(0, "s0", undefined);
      inputs.payload(0, scratch);
      scratch.fill(0x20); // compact bytes are copied: the caller reuses its buffer
      inputs.conversation(1, "s1", 5);
      inputs.payload(1, indented({ m: "é", n: [] }));
      inputs.payload(1, body({ k: 2 }));
      inputs.conversation(2, "s2", 5);
      expect(await inputs.finish()).toBe(true);
      const data = [
        { session_id: "s0", payloads: [{ a: [1, { b: 'x"y' }], c: {} }] },
        { session_id: "s1", payloads: [{ m: "é", n: [] }, { k: 2 }] },
        { session_id: "s2", payloads: [] },
      ];
      expect(readFileSync(path, "utf8")).toBe(JSON.stringify({ data }, null, 2));
    }));

  test("locally out of order (within the window): sorted stably, as dataset.bin serves them", () =>
    withDir(async (path) => {
      const rng = createRng(3);
      const inputs = createInOrderInputs(path, 50);
      const starts: { id: string; key: number; c: number }[] = [];
      for (let c = 0; c < 2000; c++) {
        // Every 7th is up to 30 places early; some untimed at the start, many ties.
        const key = c < 5 && c % 2 === 0 ? undefined : Math.floor(c / 3) - (c % 7 === 3 ? rng.int(10) : 0);
        starts.push({ id: `s${c}`, key: key ?? Number.NEGATIVE_INFINITY, c });
        inputs.conversation(c, `s${c}`, key);
        inputs.payload(c, body({ c }));
      }
      expect(await inputs.finish()).toBe(true);
      const order = [...starts].sort((a, b) => a.key - b.key || a.c - b.c);
      const data = order.map((s) => ({ session_id: s.id, payloads: [{ c: s.c }] }));
      expect(readFileSync(path, "utf8")).toBe(JSON.stringify({ data }, null, 2));
    }));

  test("earlier than one already written, or an untimed one after a timed one written: given up, no file left", () =>
    withDir(async (path) => {
      for (const second of [1, undefined]) {
        const inputs = createInOrderInputs(path, 1);
        inputs.conversation(0, "s0", 2);
        inputs.payload(0, body({}));
        inputs.conversation(1, "s1", 3);
        inputs.conversation(2, "s2", second);
        expect(await inputs.finish()).toBe(false);
        expect(existsSync(path)).toBe(false);
      }
    }));

  test("a turn joining a conversation already written: given up", () =>
    withDir(async (path) => {
      const inputs = createInOrderInputs(path, 1);
      inputs.conversation(0, "a", undefined);
      inputs.conversation(1, "b", undefined);
      inputs.payload(0, body({}));
      expect(await inputs.finish()).toBe(false);
      expect(existsSync(path)).toBe(false);
    }));

  test("a turn joining a held conversation is kept with it", () =>
    withDir(async (path) => {
      const inputs = createInOrderInputs(path);
      inputs.conversation(0, "a", 1);
      inputs.conversation(1, "b", 0);
      inputs.payload(0, body({ t: 0 }));
      inputs.payload(1, body({ t: 0 }));
      inputs.payload(0, body({ t: 1 }));
      expect(await inputs.finish()).toBe(true);
      const data = [
        { session_id: "b", payloads: [{ t: 0 }] },
        { session_id: "a", payloads: [{ t: 0 }, { t: 1 }] },
      ];
      expect(readFileSync(path, "utf8")).toBe(JSON.stringify({ data }, null, 2));
    }));
});

describe("inputs.json in the dataset service", () => {
  test("a trace too far out of order for the window: inputs.json read back from dataset.bin, the same bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-inputs-"));
    try {
      // 5,000 lines in order, then one that belongs first: more than the window has been written by then.
      const lines = Array.from({ length: 5000 }, (_, i) => `{"timestamp": ${1000 + i}, "text_input": "p${i}", "output_length": ${1 + (i % 7)}}`);
      lines.push('{"timestamp": 0, "text_input": "first", "output_length": 3}');
      const trace = join(dir, "trace.jsonl");
      writeFileSync(trace, `${lines.join("\n")}\n`);
      const cfg = datasetConfig({ datasetPath: join(dir, "dataset.bin"), inputsJsonPath: join(dir, "inputs.json") });
      const tokenizer = await loadBuiltinTokenizer();
      await writeFileDataset("mooncake_trace", trace, tokenizer, cfg, 1);
      const built = buildFileDataset(await load("mooncake_trace", trace), tokenizer, cfg, 1);
      expect(openDataset(cfg.datasetPath).timestampMs(0, 0)).toBe(0);
      expect(readFileSync(cfg.inputsJsonPath, "utf8")).toBe(JSON.stringify({ data: built.inputs }, null, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("inputs.json writer thread", () => {
  test("a file it cannot write: finish() rejects with the reason, nothing hangs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-inputs-"));
    try {
      writeFileSync(join(dir, "file"), "");
      const inputs = createInputsThread(join(dir, "file", "inputs.json"));
      inputs.conversation(0, "a", 1);
      inputs.payload(0, body({ t: 0 }));
      await expect(inputs.finish()).rejects.toThrow(/inputs\.json: .*(EEXIST|ENOTDIR)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("many batches, spliced payloads sharing skeletons (and more new ones than either side remembers) and a corpus: the bytes the in-thread writer gives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-inputs-"));
    try {
      const rng = createRng(12);
      const corpus = Buffer.from("abcdefghijklmnopqrstuvwxyz é漢😀 ".repeat(50));
      const skeletons = Array.from({ length: 5 }, (_, k) => [encoder.encode(`{\n          "k${k}": "`), encoder.encode('"\n        }')]);
      const events: ((inputs: ReturnType<typeof createInOrderInputs>) => void)[] = [];
      for (let c = 0; c < 50_000; c++) {
        const n = rng.int(3);
        const turns = Array.from({ length: n }, () => {
          const from = rng.int(100);
          // Half the skeletons are new objects of their own (as when a splicer's cache is renewed).
          const pieces =
            rng.int(2) === 0 ? (skeletons[rng.int(5)] as Uint8Array[]) : [encoder.encode(`{\n          "f${c}": "`), encoder.encode('"\n        }')];
          return rng.int(4) === 0 ? body({ c, x: "y" }) : { pieces, text: { bytes: corpus, at: [from, from + rng.int(20), 200, 210] } };
        });
        events.push((inputs) => {
          inputs.conversation(c, c % 3 === 0 ? `s${c}-é😀\n` : `s${c}`, c);
          for (const turn of turns) inputs.payload(c, turn);
        });
      }
      const a = createInOrderInputs(join(dir, "a.json"));
      const b = createInputsThread(join(dir, "b.json"));
      for (const event of events) {
        event(a);
        event(b);
        await b.ready();
      }
      expect([await a.finish(), await b.finish()]).toEqual([true, true]);
      expect(readFileSync(join(dir, "b.json"))).toEqual(readFileSync(join(dir, "a.json")));
      JSON.parse(readFileSync(join(dir, "b.json"), "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
