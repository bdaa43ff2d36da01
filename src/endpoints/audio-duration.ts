/**
 * The length of the clip an audio_transcription body uploads, for the audio_duration and rtfx
 * metrics (aiperf-features §5.5). Only the WAV header is decoded: the data chunk's size over the
 * byte rate. Other formats (mp3, flac…) have no duration here, so those metrics stay absent.
 */

/** Seconds of audio in a stored body's `file.b64_data`, or null when unknown. */
export function bodyAudioSeconds(body: Uint8Array): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
  const file = (parsed as { file?: { b64_data?: unknown } } | null)?.file;
  return typeof file?.b64_data === "string" ? base64WavSeconds(file.b64_data) : null;
}

/** A base64 WAV file's length in seconds; only its first few KiB are decoded. */
export function base64WavSeconds(b64: string): number | null {
  const padding = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  const totalBytes = Math.floor((b64.length * 3) / 4) - padding;
  const head = Buffer.from(b64.slice(0, 8192), "base64");
  return wavSeconds(new Uint8Array(head.buffer, head.byteOffset, head.byteLength), totalBytes);
}

/**
 * Walks the RIFF chunks of `head` (the start of a file of `totalBytes`) to `data`: its size (as far
 * as the file really holds it) over the `fmt ` byte rate; null when it is not a PCM-style WAV.
 */
export function wavSeconds(head: Uint8Array, totalBytes = head.length): number | null {
  const ascii = (at: number): string => String.fromCharCode(...head.subarray(at, at + 4));
  if (head.length < 12 || ascii(0) !== "RIFF" || ascii(8) !== "WAVE") return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let byteRate = 0;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = ascii(at);
    const size = view.getUint32(at + 4, true);
    if (id === "fmt " && at + 20 <= head.length) byteRate = view.getUint32(at + 16, true);
    if (id === "data") return byteRate > 0 ? Math.max(0, Math.min(size, totalBytes - at - 8)) / byteRate : null;
    at += 8 + size + (size % 2);
  }
  return null;
}
