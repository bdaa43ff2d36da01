/**
 * Synthetic audio as upstream makes it (§3.3, `dataset/generator/audio.py`): Gaussian noise
 * N(0, 0.3) clipped to [-1, 1], scaled to the bit depth and written as a PCM WAV file. Clips go
 * into chat requests as "wav,<base64>". MP3 needs an encoder we do not ship (upstream links
 * libsndfile), so asking for it is a configuration error.
 */
import type { Rng } from "../../core/rng.ts";
import { createRng, deriveSeed } from "../../core/rng.ts";

import { AUDIO_DEPTHS, type AudioDepth, type AudioFormat } from "./media-formats.ts";

export { AUDIO_DEPTHS, AUDIO_FORMATS, type AudioDepth, type AudioFormat } from "./media-formats.ts";

/** One clip: its length in seconds, sample rate in Hz, bits per sample and channels (1 or 2). */
export type WavOptions = { durationSec: number; sampleRate: number; bitDepth: AudioDepth; channels: number };

const NOISE_STDDEV = 0.3;
const HEADER_BYTES = 44;

/** A PCM WAV file of `floor(durationSec × sampleRate)` frames of seeded noise. */
export function synthesizeWav(options: WavOptions, rng: Rng): Uint8Array {
  const { sampleRate, bitDepth, channels } = options;
  if (!AUDIO_DEPTHS.includes(bitDepth)) throw new RangeError(`Bit depth must be one of ${AUDIO_DEPTHS.join(", ")}, got ${bitDepth}`);
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new RangeError(`Sample rate must be a positive whole number of Hz, got ${sampleRate}`);
  if (channels !== 1 && channels !== 2) throw new RangeError(`Channels must be 1 or 2, got ${channels}`);
  if (!(Number.isFinite(options.durationSec) && options.durationSec >= 0)) throw new RangeError(`Duration must be ≥ 0 seconds, got ${options.durationSec}`);
  const frames = Math.floor(options.durationSec * sampleRate);
  const bytesPerSample = bitDepth / 8;
  const dataBytes = frames * channels * bytesPerSample;
  const out = new Uint8Array(HEADER_BYTES + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bitDepth, true);
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  const max = 2 ** (bitDepth - 1) - 1;
  let at = HEADER_BYTES;
  for (let i = 0; i < frames * channels; i++) {
    const x = Math.max(-1, Math.min(1, rng.normal(0, NOISE_STDDEV)));
    const s = Math.round(x * max);
    if (bitDepth === 8)
      out[at] = s + 128; // 8-bit WAV is unsigned
    else if (bitDepth === 16) view.setInt16(at, s, true);
    else if (bitDepth === 32) view.setInt32(at, s, true);
    else {
      out[at] = s & 0xff;
      out[at + 1] = (s >> 8) & 0xff;
      out[at + 2] = (s >> 16) & 0xff;
    }
    at += bytesPerSample;
  }
  return out;
}

/** What a WAV header says (for checks and for callers that need the clip's length). */
export type WavInfo = { sampleRate: number; bitDepth: number; channels: number; frames: number; durationSec: number };

/** Reads a canonical PCM WAV header (as {@link synthesizeWav} writes it); throws on anything else. */
export function readWavHeader(bytes: Uint8Array): WavInfo {
  const text = (at: number, n: number): string => String.fromCharCode(...bytes.subarray(at, at + n));
  if (bytes.length < HEADER_BYTES || text(0, 4) !== "RIFF" || text(8, 4) !== "WAVE" || text(12, 4) !== "fmt " || text(36, 4) !== "data") {
    throw new RangeError("Not a canonical PCM WAV file");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(20, true) !== 1) throw new RangeError("WAV is not PCM");
  const channels = view.getUint16(22, true);
  const sampleRate = view.getUint32(24, true);
  const bitDepth = view.getUint16(34, true);
  const frames = view.getUint32(40, true) / (channels * (bitDepth / 8));
  return { sampleRate, bitDepth, channels, frames, durationSec: frames / sampleRate };
}

/** The --audio-* flags. Sample rates are in kHz as upstream takes them (16 = 16000 Hz; above 96, Hz). */
export type AudioSynthOptions = {
  lengthMean: number;
  lengthStddev: number;
  sampleRatesKhz: number[];
  depths: number[];
  channels: number;
  format: AudioFormat;
};

/** Shortest clip upstream makes, in seconds. */
const MIN_LENGTH_SEC = 0.01;

/** A seeded source of "wav,<base64>" clips with their sampled duration. */
export function createAudioSource(options: AudioSynthOptions, seed: number): () => { clip: string; durationSec: number } {
  if (options.format !== "wav") {
    throw new RangeError("--audio-format mp3 is not supported: encoding MP3 needs a native encoder this build does not ship; use --audio-format wav");
  }
  if (options.sampleRatesKhz.length === 0 || options.depths.length === 0) throw new RangeError("Audio needs at least one sample rate and one bit depth");
  const lengthRng = createRng(deriveSeed(seed, "audio-length"));
  const formatRng = createRng(deriveSeed(seed, "audio-format"));
  const dataRng = createRng(deriveSeed(seed, "audio-data"));
  return () => {
    let durationSec = options.lengthMean;
    if (options.lengthStddev > 0) {
      // Re-drawn until at least 10 ms (v0.1.1); bounded, then clamped.
      for (let i = 0; i < 100; i++) {
        durationSec = lengthRng.normal(options.lengthMean, options.lengthStddev);
        if (durationSec >= MIN_LENGTH_SEC) break;
      }
    }
    durationSec = Math.max(MIN_LENGTH_SEC, durationSec);
    const rate = options.sampleRatesKhz[formatRng.int(options.sampleRatesKhz.length)] as number;
    // Newer upstream reads values above 96 as Hz already.
    const sampleRate = Math.round(rate > 96 ? rate : rate * 1000);
    const bitDepth = options.depths[formatRng.int(options.depths.length)] as AudioDepth;
    const wav = synthesizeWav({ durationSec, sampleRate, bitDepth, channels: options.channels }, dataRng);
    return { clip: `wav,${Buffer.from(wav).toString("base64")}`, durationSec };
  };
}
