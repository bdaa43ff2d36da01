/** Newer upstream's profile options (issue 18): names, aliases, defaults and how values are read. */
import { describe, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { createModelSelector } from "../../src/services/dataset/synthetic-extras.ts";

const parse = (...args: string[]) => parseProfileConfig(readProfileArgs(["-m", "m", ...args]).input);
const resolved = (...args: string[]) => resolveProfile(parse(...args), "aiperf profile", false, () => {});

describe("defaults as upstream", () => {
  test("request timeout 21600 s, request count max(10, 2 × concurrency), round robin URLs, pooled connections, revision main", () => {
    const cfg = resolved();
    expect(cfg.requestTimeoutSeconds).toBe(21600);
    expect(cfg.requestCount).toBe(10);
    expect(resolved("--concurrency", "3").requestCount).toBe(10);
    expect(resolved("--concurrency", "32").requestCount).toBe(64);
    expect(resolved("--concurrency", "32", "--request-count", "5").requestCount).toBe(5);
    expect([cfg.urlStrategy, cfg.connectionReuseStrategy, cfg.tokenizerRevision, cfg.cacheBust, cfg.promptBatchSize]).toEqual([
      "round_robin",
      "pooled",
      "main",
      "none",
      1,
    ]);
    expect([cfg.rankingsPassagesMean, cfg.rankingsPassagesStddev, cfg.rankingsPassagesPromptTokenMean, cfg.rankingsQueryPromptTokenMean]).toEqual([
      1, 0, 550, 550,
    ]);
  });
});

describe("reading values", () => {
  test("--log-level takes upstream's names in any case", () => {
    const level = (name: string) => parse("--log-level", name).logLevel;
    expect(["TRACE", "debug", "Info", "NOTICE", "WARNING", "warn", "SUCCESS", "ERROR", "CRITICAL"].map(level)).toEqual([
      "trace",
      "debug",
      "info",
      "info",
      "warn",
      "warn",
      "info",
      "error",
      "error",
    ]);
  });

  test("list options take space-separated values until the next flag", () => {
    const cfg = parse("--audio-depths", "8", "24", "--audio-sample-rates", "8", "44.1", "--streaming", "-u", "a:1", "b:2");
    expect(cfg.audioDepths).toEqual([8, 24]);
    expect(cfg.audioSampleRates).toEqual([8, 44.1]);
    expect(cfg.url).toEqual(["a:1", "b:2"]);
    expect(cfg.streaming).toBe(true);
    expect(parse("--extra-inputs", "temperature:0.7", "top_p:0.9").extraInputs).toEqual([
      ["temperature", 0.7],
      ["top_p", 0.9],
    ]);
  });

  test("--num-dataset-entries / --num-prompts size the synthetic pool unless --conversation-num is given", () => {
    expect(parse("--num-dataset-entries", "7").conversationNum).toBe(7);
    expect(parse("--num-prompts", "9").conversationNum).toBe(9);
    expect(parse("--num-prompts", "9", "--conversation-num", "4").conversationNum).toBe(4);
    expect(parse().conversationNum).toBe(100);
  });

  test("--[no-]allow-dataset-wrap and the short -b", () => {
    expect(parse("--allow-dataset-wrap").allowDatasetWrap).toBe(true);
    expect(parse("--allow-dataset-wrap", "--no-allow-dataset-wrap").allowDatasetWrap).toBe(false);
    expect(parse("-b", "8").promptBatchSize).toBe(8);
    expect(parse("--batch-size-text", "2").promptBatchSize).toBe(2);
  });

  test("weighted models: name=weight in -m, default weight 1", () => {
    const cfg = parse("-m", "a=3", "b", "--model-selection-strategy", "weighted");
    expect(cfg.model).toEqual(["m", "a", "b"]);
    expect(cfg.modelWeights).toEqual([1, 3, 1]);
  });
});

describe("weighted model selection", () => {
  test("picks in proportion to the weights, never a zero weight, reproducibly under a seed", () => {
    const pick = createModelSelector(["a", "b", "c"], "weighted", 1, [3, 1, 0]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 4000; i++) {
      const model = pick();
      counts[model] = (counts[model] ?? 0) + 1;
    }
    expect(counts.c).toBe(0);
    expect((counts.a as number) / 4000).toBeGreaterThan(0.7);
    expect((counts.a as number) / 4000).toBeLessThan(0.8);
    const again = createModelSelector(["a", "b", "c"], "weighted", 1, [3, 1, 0]);
    const first = createModelSelector(["a", "b", "c"], "weighted", 1, [3, 1, 0]);
    expect(Array.from({ length: 20 }, () => again())).toEqual(Array.from({ length: 20 }, () => first()));
  });
});
