/** Synthetic audio: WAV files read back (RIFF header, rate, depth, channels, length) and the seeded clip source. */
import { describe, expect, test } from "bun:test";
import { createAudioSource, createRng, readWavHeader, synthesizeWav } from "../../src/dataset/synthetic/index.ts";

/** Parses the RIFF header independently of readWavHeader. */
function riff(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return {
    riff: tag(0),
    riffSize: view.getUint32(4, true),
    wave: tag(8),
    fmt: tag(12),
    fmtSize: view.getUint32(16, true),
    format: view.getUint16(20, true),
    channels: view.getUint16(22, true),
    rate: view.getUint32(24, true),
    byteRate: view.getUint32(28, true),
    blockAlign: view.getUint16(32, true),
    depth: view.getUint16(34, true),
    data: tag(36),
    dataSize: view.getUint32(40, true),
  };
}

describe("synthesizeWav", () => {
  for (const [depth, channels, rate] of [
    [8, 1, 8000],
    [16, 2, 16000],
    [24, 1, 44100],
    [32, 2, 22050],
  ] as const) {
    test(`${depth}-bit, ${channels} channel(s), ${rate} Hz, 0.25 s`, () => {
      const wav = synthesizeWav({ durationSec: 0.25, sampleRate: rate, bitDepth: depth, channels }, createRng(1));
      const h = riff(wav);
      const frames = Math.floor(0.25 * rate);
      expect(h).toEqual({
        riff: "RIFF",
        riffSize: wav.length - 8,
        wave: "WAVE",
        fmt: "fmt ",
        fmtSize: 16,
        format: 1,
        channels,
        rate,
        byteRate: rate * channels * (depth / 8),
        blockAlign: channels * (depth / 8),
        depth,
        data: "data",
        dataSize: frames * channels * (depth / 8),
      });
      expect(wav.length).toBe(44 + frames * channels * (depth / 8));
      const info = readWavHeader(wav);
      expect(info).toEqual({ sampleRate: rate, bitDepth: depth, channels, frames, durationSec: frames / rate });
    });
  }

  test("samples are noise around silence: 8-bit is unsigned around 128, 16-bit signed with spread ≈ 0.3 of full scale", () => {
    const u8 = synthesizeWav({ durationSec: 1, sampleRate: 8000, bitDepth: 8, channels: 1 }, createRng(2)).subarray(44);
    const mean8 = u8.reduce((a, b) => a + b, 0) / u8.length;
    expect(Math.abs(mean8 - 128)).toBeLessThan(2);
    const wav16 = synthesizeWav({ durationSec: 1, sampleRate: 8000, bitDepth: 16, channels: 1 }, createRng(2));
    const s16 = new Int16Array(wav16.buffer.slice(44));
    const rms = Math.sqrt(s16.reduce((a, b) => a + b * b, 0) / s16.length) / 32767;
    expect(rms).toBeGreaterThan(0.25);
    expect(rms).toBeLessThan(0.35);
  });

  test("seeded: the same rng seed gives the same bytes", () => {
    const opts = { durationSec: 0.05, sampleRate: 16000, bitDepth: 16 as const, channels: 1 };
    expect(synthesizeWav(opts, createRng(5))).toEqual(synthesizeWav(opts, createRng(5)));
    expect(synthesizeWav(opts, createRng(5))).not.toEqual(synthesizeWav(opts, createRng(6)));
  });

  test("rejects a depth, rate or channel count WAV cannot carry", () => {
    const rng = createRng(1);
    expect(() => synthesizeWav({ durationSec: 1, sampleRate: 16000, bitDepth: 12 as 16, channels: 1 }, rng)).toThrow(/Bit depth/);
    expect(() => synthesizeWav({ durationSec: 1, sampleRate: 0, bitDepth: 16, channels: 1 }, rng)).toThrow(/Sample rate/);
    expect(() => synthesizeWav({ durationSec: 1, sampleRate: 16000, bitDepth: 16, channels: 3 }, rng)).toThrow(/Channels/);
  });
});

describe("audio source", () => {
  const wavOf = (clip: string) => {
    expect(clip.startsWith("wav,")).toBe(true);
    return readWavHeader(Buffer.from(clip.slice(4), "base64"));
  };

  test("rates (kHz, or Hz above 96) and depths are picked from the lists; length and channels as asked", () => {
    const source = createAudioSource({ lengthMean: 0.1, lengthStddev: 0, sampleRatesKhz: [8, 22.05, 44100], depths: [8, 24], channels: 2, format: "wav" }, 3);
    const infos = Array.from({ length: 60 }, () => wavOf(source().clip));
    expect(new Set(infos.map((i) => i.sampleRate))).toEqual(new Set([8000, 22050, 44100]));
    expect(new Set(infos.map((i) => i.bitDepth))).toEqual(new Set([8, 24]));
    for (const i of infos) {
      expect(i.channels).toBe(2);
      expect(i.frames).toBe(Math.floor(0.1 * i.sampleRate));
    }
  });

  test("lengths follow mean/stddev and are never under 10 ms; seeded", () => {
    const opts = { lengthMean: 0.05, lengthStddev: 0.1, sampleRatesKhz: [16], depths: [16], channels: 1, format: "wav" as const };
    const source = createAudioSource(opts, 4);
    const clips = Array.from({ length: 100 }, () => source());
    for (const c of clips) {
      expect(c.durationSec).toBeGreaterThanOrEqual(0.01);
      expect(wavOf(c.clip).frames).toBe(Math.floor(c.durationSec * 16000));
    }
    expect(new Set(clips.map((c) => c.durationSec)).size).toBeGreaterThan(50);
    const again = createAudioSource(opts, 4);
    expect(again().clip).toBe(clips[0]?.clip as string);
  });

  test("mp3 is refused with a clear message", () => {
    expect(() => createAudioSource({ lengthMean: 1, lengthStddev: 0, sampleRatesKhz: [16], depths: [16], channels: 1, format: "mp3" }, 1)).toThrow(
      /mp3 is not supported.*--audio-format wav/,
    );
  });
});
