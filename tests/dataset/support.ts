/** Shared helpers for the dataset loader tests: a config, the builtin tokenizer, fixture paths. */
import { join } from "node:path";
import type { DatasetFormat, TextSpans } from "../../src/dataset/loaders/index.ts";
import { type DatasetConfig, DEFAULT_UPSTREAM_DATASET_OPTIONS, NO_SYNTHETIC_EXTRAS } from "../../src/protocol/dataset-config.ts";
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
    upstream: DEFAULT_UPSTREAM_DATASET_OPTIONS,
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

/** All parts one after another. */
export function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The bytes of a text given as ranges (Turn.textSpans). */
export const spanBytes = (text: TextSpans): Uint8Array =>
  joined(Array.from({ length: text.at.length / 2 }, (_, k) => text.bytes.subarray(text.at[2 * k], text.at[2 * k + 1])));

/** A spliced body whole: the pieces with the text between every two. */
export const splicedBytes = (pieces: readonly Uint8Array[], text: TextSpans): Uint8Array =>
  joined(pieces.flatMap((piece, i) => (i === 0 ? [piece] : [spanBytes(text), piece])));

/** `parts` as ranges of one buffer, with a byte of junk before each so no two ranges touch. */
export function spansOf(parts: readonly Uint8Array[]): TextSpans {
  const at: number[] = [];
  let n = 0;
  for (const part of parts) {
    at.push(n + 1, n + 1 + part.length);
    n += 1 + part.length;
  }
  const bytes = Buffer.alloc(n, 0x7e);
  parts.forEach((part, k) => bytes.set(part, at[2 * k] as number));
  return { bytes, at };
}
