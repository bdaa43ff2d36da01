/** --model-selection-strategy on file datasets: turns that name no model get one in turn, or at random (seeded). */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NO_SYNTHETIC_EXTRAS } from "../../src/protocol/dataset-config.ts";
import { buildFileDataset } from "../../src/services/dataset/from-file.ts";
import { createModelSelector } from "../../src/services/dataset/synthetic-extras.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { datasetConfig, load } from "./support.ts";

const MODELS = ["a", "b", "c"];

/** 30 single-turn lines; the 5th names its own model. */
function file(): string {
  const path = join(mkdtempSync(join(tmpdir(), "aiperf-models-")), "turns.jsonl");
  writeFileSync(path, Array.from({ length: 30 }, (_, i) => JSON.stringify(i === 4 ? { text: `q${i}`, model: "own" } : { text: `q${i}` })).join("\n"));
  return path;
}

async function models(strategy: "round_robin" | "random", seed: number): Promise<string[]> {
  const cfg = datasetConfig({ model: MODELS, synthetic: { ...NO_SYNTHETIC_EXTRAS, modelSelection: strategy } });
  const built = buildFileDataset(await load("single_turn", file()), await loadBuiltinTokenizer(), cfg, seed);
  return built.inputs.map((i) => (i.payloads[0] as { model: string }).model);
}

describe("model selection for file turns", () => {
  test("round_robin: the n-th turn gets models[n % 3]; a turn's own model wins", async () => {
    const expected = Array.from({ length: 30 }, (_, i) => (i === 4 ? "own" : (MODELS[i % 3] as string)));
    expect(await models("round_robin", 1)).toEqual(expected);
  });

  test("random: the seeded selector's draws, one per turn; reproducible, not round robin", async () => {
    const pick = createModelSelector(MODELS, "random", 7);
    const expected = Array.from({ length: 30 }, (_, i) => (i === 4 ? (pick(), "own") : pick()));
    const got = await models("random", 7);
    expect(got).toEqual(expected);
    expect(await models("random", 7)).toEqual(got);
    expect(got).not.toEqual(await models("round_robin", 7));
    expect(await models("random", 8)).not.toEqual(got);
    expect(new Set(got)).toEqual(new Set([...MODELS, "own"]));
  });
});
