/** Shared helpers for the dataset loader tests: a config, the builtin tokenizer, fixture paths. */
import { join } from "node:path";
import type { DatasetFormat } from "../../src/dataset/loaders/index.ts";
import { type DatasetConfig, NO_SYNTHETIC_EXTRAS } from "../../src/protocol/dataset-config.ts";
import { loadFileConversations } from "../../src/services/dataset/from-file.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";

export const FIXTURES = join(import.meta.dir, "..", "fixtures", "datasets");
export const fixture = (...parts: string[]): string => join(FIXTURES, ...parts);

export function datasetConfig(over: Partial<DatasetConfig> = {}): DatasetConfig {
  return {
    model: ["m"],
    endpointType: "chat",
    streaming: false,
    extraInputs: [],
    isl: 550,
    islStddev: 0,
    osl: null,
    oslStddev: 0,
    conversationNum: 5,
    randomSeed: 1,
    tokenizer: null,
    inputFile: null,
    datasetFormat: null,
    blockSize: 8,
    turnMean: 1,
    turnStddev: 0,
    turnDelayMean: 0,
    turnDelayStddev: 0,
    turnDelayRatio: 1,
    datasetPath: "/dev/null",
    inputsJsonPath: "/dev/null",
    synthetic: NO_SYNTHETIC_EXTRAS,
    ...over,
  };
}

/** Loads `path` as `format` with the builtin tokenizer and seed 1 (unless overridden). */
export async function load(format: DatasetFormat, path: string, over: Partial<DatasetConfig> = {}) {
  const cfg = datasetConfig(over);
  return loadFileConversations(format, path, await loadBuiltinTokenizer(), cfg, cfg.randomSeed ?? 1);
}

/** The message of what `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  throw new Error("expected a failure");
}
