/** audio_duration and rtfx (aiperf-features §5.5): the uploaded clip's seconds, and seconds of audio per second of latency. */
import { describe, expect, test } from "bun:test";
import { base64WavSeconds, bodyAudioSeconds, wavSeconds } from "../../src/endpoints/audio-duration.ts";
import { computeRecordMetrics, createMetricContext, isConsoleShown, metricDef } from "../../src/metrics/index.ts";
import { pcmWav } from "../fixtures/wav.ts";
import { makeRecord } from "./fixtures.ts";

const audio = createMetricContext({ streaming: false, producesTokens: false });

/** A mono 16-bit PCM WAV of `frames` zero samples at `rate` Hz, with an optional LIST chunk before `data`. */
const wav = (rate: number, frames: number, list = false): Uint8Array => pcmWav(rate, frames, { listChunk: list });

describe("audio metrics from hand-made records", () => {
  test("audio_duration is the clip's seconds; rtfx = audio seconds / latency seconds", () => {
    // 3 s of audio answered in 250 ms: 12× faster than real time.
    const { values } = computeRecordMetrics(makeRecord(1000, [250], { audioSeconds: 3, outputTokens: null }), audio);
    expect(values.request_latency).toBe(250_000_000);
    expect(values.audio_duration).toBe(3);
    expect(values.rtfx).toBeCloseTo(12, 9);
  });

  test("records without a known clip length, or that failed, have neither", () => {
    expect(computeRecordMetrics(makeRecord(1000, [250], { outputTokens: null }), audio).values.rtfx).toBeUndefined();
    expect(computeRecordMetrics(makeRecord(1000, [250], { audioSeconds: 0, outputTokens: null }), audio).values.audio_duration).toBeUndefined();
    const failed = makeRecord(1000, [], { audioSeconds: 3, error: { code: 500, type: "Internal", message: "x" } });
    expect(computeRecordMetrics(failed, audio).values.audio_duration).toBeUndefined();
  });

  test("upstream's catalogue entries: rtfx on the console (larger is better), audio_duration export-only in seconds", () => {
    expect(isConsoleShown("rtfx")).toBe(true);
    expect(isConsoleShown("audio_duration")).toBe(false);
    expect(metricDef("rtfx")).toMatchObject({ header: "Real-Time Factor (RTFx)", unit: "ratio", displayOrder: 850 });
    expect(metricDef("audio_duration")).toMatchObject({ header: "Audio Duration", unit: "sec" });
  });
});

describe("clip length from the stored body", () => {
  test("WAV data bytes over the byte rate, other chunks skipped", () => {
    expect(wavSeconds(wav(8000, 12000))).toBe(1.5);
    expect(wavSeconds(wav(16000, 8000, true))).toBe(0.5);
    expect(wavSeconds(new TextEncoder().encode("ID3 not a wav file"))).toBeNull();
  });

  test("only the head of a long base64 clip is decoded, the length comes from the whole string", () => {
    const clip = Buffer.from(wav(8000, 8000 * 20)).toString("base64");
    expect(base64WavSeconds(clip)).toBe(20);
    // A header that claims more data than the file holds counts only what is there.
    expect(base64WavSeconds(clip.slice(0, 4 * Math.floor((44 + 8000 * 2) / 3)))).toBeCloseTo(1, 2);
  });

  test("an audio_transcription body: file.b64_data; anything else is unknown", () => {
    const body = (file: unknown) => new TextEncoder().encode(JSON.stringify({ file, model: "m" }));
    expect(bodyAudioSeconds(body({ b64_data: Buffer.from(wav(16000, 32000)).toString("base64"), filename: "audio.wav", content_type: "audio/wav" }))).toBe(2);
    expect(bodyAudioSeconds(body({ b64_data: Buffer.from("ID3abc").toString("base64"), filename: "audio.mp3" }))).toBeNull();
    expect(bodyAudioSeconds(new TextEncoder().encode('{"messages": []}'))).toBeNull();
  });
});
