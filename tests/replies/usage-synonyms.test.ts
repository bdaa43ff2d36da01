/** Vendor synonyms of usage fields (aiperf-features §2.2): OpenAI, Anthropic, DeepSeek, Gemini, Mistral, Responses. */
import { describe, expect, test } from "bun:test";
import { mergeUsage, readUsage } from "../../src/endpoints/usage.ts";

describe("usage synonyms", () => {
  test("OpenAI details: cached, audio, predictions", () => {
    const u = readUsage({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 6, audio_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 1, audio_tokens: 3, accepted_prediction_tokens: 4, rejected_prediction_tokens: 1 },
    });
    expect(u?.extras).toEqual({
      promptCacheReadTokens: 6,
      promptAudioTokens: 2,
      completionAudioTokens: 3,
      acceptedPredictionTokens: 4,
      rejectedPredictionTokens: 1,
    });
    expect(u?.reasoningTokens).toBe(1);
  });

  test("Anthropic cache read/creation, DeepSeek hit/miss, Mistral audio seconds, Responses cached", () => {
    expect(readUsage({ input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })?.extras).toEqual({
      promptCacheReadTokens: 100,
      promptCacheWriteTokens: 20,
    });
    expect(readUsage({ prompt_tokens: 9, prompt_cache_hit_tokens: 7, prompt_cache_miss_tokens: 2 })?.extras).toEqual({
      promptCacheReadTokens: 7,
      promptCacheMissTokens: 2,
    });
    expect(readUsage({ prompt_tokens: 9, prompt_audio_seconds: 3.5 })?.extras).toEqual({ promptAudioSeconds: 3.5 });
    expect(readUsage({ input_tokens: 9, input_tokens_details: { cached_tokens: 8 } })?.extras).toEqual({ promptCacheReadTokens: 8 });
  });

  test("Gemini usageMetadata in camelCase", () => {
    const u = readUsage({
      promptTokenCount: 12,
      candidatesTokenCount: 30,
      totalTokenCount: 50,
      thoughtsTokenCount: 8,
      cachedContentTokenCount: 4,
      toolUsePromptTokenCount: 6,
    });
    expect(u).toEqual({
      promptTokens: 12,
      completionTokens: 30,
      totalTokens: 50,
      reasoningTokens: 8,
      extras: { promptCacheReadTokens: 4, toolUsePromptTokens: 6 },
    });
  });

  test("no extras: the object has no extras key; later reports merge field by field", () => {
    const a = readUsage({ prompt_tokens: 1, cache_read_input_tokens: 5 });
    const b = readUsage({ completion_tokens: 2, cache_creation_input_tokens: 3 });
    expect(readUsage({ prompt_tokens: 1 })).toEqual({ promptTokens: 1, completionTokens: null, totalTokens: null, reasoningTokens: null });
    expect("extras" in (readUsage({ prompt_tokens: 1 }) ?? {})).toBe(false);
    if (a === undefined || b === undefined) throw new Error("usage expected");
    expect(mergeUsage(a, b).extras).toEqual({ promptCacheReadTokens: 5, promptCacheWriteTokens: 3 });
  });
});
