/** The synthetic-extras flags: names and aliases, defaults, and errors that name flag, value and rule. */
import { describe, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { syntheticDatasetConfig } from "../../src/config/synthetic-input.ts";

const parse = (...args: string[]) => parseProfileConfig(readProfileArgs(["-m", "m", ...args]).input);
const failure = (...args: string[]): string => {
  try {
    parse(...args);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
};

describe("flags and defaults", () => {
  test("defaults match upstream: no extras, round robin, png, wav, 16-bit, 16 kHz, mono, batches of 1", () => {
    const cfg = parse();
    expect(syntheticDatasetConfig(cfg)).toEqual({
      modelSelection: "round_robin",
      seqDist: null,
      prefixPoolSize: 0,
      prefixLength: 0,
      sharedSystemPromptLength: null,
      userContextPromptLength: null,
      images: null,
      audio: null,
    });
    expect([cfg.imageFormat, cfg.audioFormat, cfg.audioDepths, cfg.audioSampleRates, cfg.audioNumChannels, cfg.imageBatchSize, cfg.audioBatchSize]).toEqual([
      "png",
      "wav",
      [16],
      [16],
      1,
      1,
      1,
    ]);
  });

  test("every flag and alias reaches the dataset configuration", () => {
    const cfg = parse(
      "--model-selection-strategy",
      "RANDOM",
      "--sequence-distribution",
      "10,5:100",
      "--image-width-mean",
      "64",
      "--image-width-stddev",
      "4",
      "--image-height-mean",
      "32",
      "--image-height-stddev",
      "2",
      "--batch-size-image",
      "3",
      "--image-format",
      "random",
      "--audio-length-mean",
      "1.5",
      "--audio-length-stddev",
      "0.5",
      "--batch-size-audio",
      "2",
      "--audio-depths",
      "8,24",
      "--audio-depths",
      "32",
      "--audio-sample-rates",
      "8,44.1",
      "--audio-num-channels",
      "2",
    );
    expect(syntheticDatasetConfig(cfg)).toEqual({
      modelSelection: "random",
      seqDist: [{ isl: 10, islStddev: 0, osl: 5, oslStddev: 0, probability: 100 }],
      prefixPoolSize: 0,
      prefixLength: 0,
      sharedSystemPromptLength: null,
      userContextPromptLength: null,
      images: { widthMean: 64, widthStddev: 4, heightMean: 32, heightStddev: 2, format: "random", batchSize: 3 },
      audio: { lengthMean: 1.5, lengthStddev: 0.5, sampleRatesKhz: [8, 44.1], depths: [8, 24, 32], channels: 2, format: "wav", batchSize: 2 },
    });
    const prefix = syntheticDatasetConfig(parse("--num-prefix-prompts", "3", "--prefix-prompt-length", "7"));
    expect([prefix.prefixPoolSize, prefix.prefixLength]).toEqual([3, 7]);
    expect(syntheticDatasetConfig(parse("--prefix-prompt-pool-size", "2", "--prompt-prefix-length", "4")).prefixPoolSize).toBe(2);
    const context = syntheticDatasetConfig(parse("--shared-system-prompt-length", "100", "--user-context-prompt-length", "50", "--num-dataset-entries", "8"));
    expect([context.sharedSystemPromptLength, context.userContextPromptLength]).toEqual([100, 50]);
  });

  test("a batch size of 0 turns the medium off", () => {
    expect(syntheticDatasetConfig(parse("--image-width-mean", "8", "--image-height-mean", "8", "--image-batch-size", "0")).images).toBeNull();
    expect(syntheticDatasetConfig(parse("--audio-length-mean", "1", "--audio-batch-size", "0")).audio).toBeNull();
  });
});

describe("errors", () => {
  test("value rules name the flag, the value and the rule", () => {
    expect(failure("--audio-depths", "16,12")).toBe("Invalid value [16,12] for --audio-depths: must be one of 8, 16, 24, 32");
    expect(failure("--audio-depths", "16,x")).toBe('Invalid value "16,x" for --audio-depths: expected a comma list of numbers');
    expect(failure("--audio-num-channels", "3")).toBe("Invalid value 3 for --audio-num-channels: must be 1 or 2");
    expect(failure("--audio-sample-rates", "0")).toBe("Invalid value [0] for --audio-sample-rates: must be greater than 0");
    expect(failure("--image-format", "gif")).toBe('Invalid value "gif" for --image-format: expected one of png, jpeg, random');
    expect(failure("--model-selection-strategy", "uniform")).toBe(
      'Invalid value "uniform" for --model-selection-strategy: expected one of round_robin, random, weighted',
    );
    expect(failure("--image-width-mean", "-1")).toBe("Invalid value -1 for --image-width-mean: must be at least 0");
    expect(failure("--shared-system-prompt-length", "0")).toBe("Invalid value 0 for --shared-system-prompt-length: must be at least 1");
    expect(failure("--seq-dist", "10,5:60;20,5:30")).toBe('Invalid value "10,5:60;20,5:30" for --seq-dist: probabilities must sum to 100, got 90');
    expect(failure("--audio-format", "mp3")).toBe(
      'Invalid value "mp3" for --audio-format: MP3 encoding needs a native encoder this build does not ship; use wav',
    );
  });

  test("cross-flag rules", () => {
    expect(failure("--shared-system-prompt-length", "10", "--prompt-prefix-length", "5", "--prompt-prefix-pool-size", "2")).toMatch(
      /--shared-system-prompt-length\/--user-context-prompt-length and --prompt-prefix-length\/--prompt-prefix-pool-size are mutually exclusive/,
    );
    expect(failure("--user-context-prompt-length", "10", "--num-prefix-prompts", "1", "--conversation-num", "3")).toMatch(/mutually exclusive/);
    expect(failure("--user-context-prompt-length", "10")).toMatch(/--user-context-prompt-length needs --num-dataset-entries \(or --conversation-num\)/);
    expect(failure("--prompt-prefix-length", "10")).toMatch(/--prompt-prefix-length 10 needs --prompt-prefix-pool-size of at least 1/);
    expect(failure("--prompt-prefix-pool-size", "3")).toMatch(/--prompt-prefix-pool-size 3 needs --prompt-prefix-length greater than 0/);
    expect(failure("--image-width-mean", "10")).toMatch(/--image-width-mean needs --image-height-mean greater than 0 too/);
    expect(failure("--image-height-mean", "10")).toMatch(/--image-height-mean needs --image-width-mean greater than 0 too/);
    expect(failure("--endpoint-type", "completions", "--image-width-mean", "8", "--image-height-mean", "8")).toMatch(
      /synthetic images .* need --endpoint-type chat, messages, responses, chat_embeddings, image_edit, not completions/,
    );
    expect(failure("--endpoint-type", "embeddings", "--audio-length-mean", "1")).toMatch(
      /synthetic audio \(--audio-length-mean\) needs --endpoint-type chat, .*not embeddings/,
    );
    expect(failure("--endpoint-type", "completions", "--shared-system-prompt-length", "4")).toMatch(
      /need --endpoint-type chat, messages, chat_embeddings, not completions/,
    );
    expect(failure("--input-file", "x.jsonl", "--seq-dist", "1,1:100", "--model-selection-strategy", "random")).toMatch(
      /: --seq-dist shape synthetic data and cannot be used with --input-file/,
    );
    // Model selection applies to file turns too (tests/dataset/file-model-selection.test.ts).
    expect(parse("--input-file", "x.jsonl", "--model-selection-strategy", "random").modelSelectionStrategy).toBe("random");
  });
});
