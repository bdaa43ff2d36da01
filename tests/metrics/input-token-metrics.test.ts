/** ISL applies to endpoints that tokenize their prompt (newer upstream's TOKENIZES_INPUT_ONLY): token producers and image_generation. */
import { describe, expect, test } from "bun:test";
import { computeRecordMetrics, createMetricContext } from "../../src/metrics/index.ts";
import { tokenizesInput } from "../../src/endpoints/capabilities.ts";
import { makeRecord } from "./fixtures.ts";

describe("input sequence length applicability", () => {
  test("image_generation tokenizes its prompt; audio_transcription and embeddings do not", () => {
    expect(tokenizesInput("image_generation")).toBe(true);
    expect(tokenizesInput("chat")).toBe(true);
    expect(tokenizesInput("audio_transcription")).toBe(false);
    expect(tokenizesInput("embeddings")).toBe(false);
  });

  test("an image_generation record gets ISL but no OSL; an embeddings record neither", () => {
    const record = makeRecord(1000, [400], { inputTokens: 7, outputTokens: null, images: 1 });
    const images = createMetricContext({ streaming: false, producesTokens: false, tokenizesInput: true });
    const values = computeRecordMetrics(record, images).values;
    expect(values.input_sequence_length).toBe(7);
    expect(values.output_sequence_length).toBeUndefined();
    expect(images.applicable.has("total_isl")).toBe(true);
    const embeddings = createMetricContext({ streaming: false, producesTokens: false });
    expect(computeRecordMetrics(record, embeddings).values.input_sequence_length).toBeUndefined();
    expect(embeddings.applicable.has("total_isl")).toBe(false);
  });
});
