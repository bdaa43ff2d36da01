/**
 * OpenAI audio transcription, `/v1/audio/transcriptions` (aiperf-features §2.2): a multipart
 * upload of the turn's first audio clip as `file` (`audio.<fmt>`), plus `model` and the extras.
 * dataset.bin holds JSON, so the stored body is upstream's payload dict — `file` as
 * `{b64_data, filename, content_type}` — and the worker turns it into FormData (`toFormData`).
 * The transcript is `text` of a JSON reply, or the whole body of a text reply.
 */
import { EndpointInputError } from "./raw.ts";
import { isObject, textResponse, withUsage } from "./json.ts";
import type { Endpoint, ParsedResponse, Skip } from "./types.ts";

const MIME_BY_FORMAT: Record<string, string> = {
  wav: "audio/wav",
  mp3: "audio/mpeg",
  flac: "audio/flac",
  ogg: "audio/ogg",
  m4a: "audio/mp4",
  mp4: "audio/mp4",
  webm: "audio/webm",
};

export const audioTranscription: Endpoint = {
  name: "audio_transcription",
  defaultPath: "/v1/audio/transcriptions",
  category: "audio",
  streams: false,
  producesTokens: false,
  multipart: true,
  buildBody(turn) {
    const clip = turn.audios?.[0];
    if (clip === undefined || clip === "")
      throw new EndpointInputError("--endpoint-type audio_transcription needs audio in every turn (an input file with audio fields, or synthetic audio)");
    return { file: audioField(clip), model: turn.model };
  },
  mergeExtras(body, extras) {
    // The file is the endpoint's; everything else may come from --extra-inputs.
    for (const [key, value] of extras) if (key !== "file") body[key] = value;
  },
  parseResponse: parseTranscript,
};

/** "<fmt>,<base64>" (a data:audio/<fmt>;base64, URI also works) → the multipart file descriptor. */
export function audioField(clip: string): { b64_data: string; filename: string; content_type: string } {
  const comma = clip.indexOf(",");
  if (comma < 0) throw new EndpointInputError(`audio content must be "<format>,<base64>" (e.g. "wav,UklGR…"), got "${clip.slice(0, 40)}"`);
  const head = clip.slice(0, comma);
  const format = (head.startsWith("data:audio/") ? head.slice("data:audio/".length).split(";")[0] || "wav" : head).toLowerCase();
  return { b64_data: clip.slice(comma + 1), filename: `audio.${format}`, content_type: MIME_BY_FORMAT[format] ?? `audio/${format}` };
}

/** The stored JSON body → the multipart form the server receives. */
export function toFormData(body: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(body)) {
    // A {b64_data, filename, content_type} field is a file part (audio "file", image_edit "image").
    if (isObject(value) && typeof value.b64_data === "string") {
      const bytes = Buffer.from(value.b64_data, "base64");
      form.append(key, new Blob([bytes], { type: String(value.content_type ?? "application/octet-stream") }), String(value.filename ?? key));
    } else if (value !== null && value !== undefined) {
      form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
  }
  return form;
}

function parseTranscript(payload: string): ParsedResponse | Skip {
  const trimmed = payload.trim();
  if (trimmed === "") return { skip: "empty" };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    // response_format text/srt/vtt: the body is the transcript.
    return textResponse(trimmed);
  }
  if (!isObject(value)) return typeof value === "string" ? textResponse(value) : { skip: "unknown-object", detail: "not a JSON object" };
  if (typeof value.text !== "string") return { skip: "unknown-object", detail: "no text field" };
  return withUsage(textResponse(value.text), value.usage);
}
