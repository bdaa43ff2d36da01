/**
 * Request bodies per endpoint type (reference/aiperf-features.md §2.1), built once per turn when
 * the dataset is written, so a worker sends stored bytes and never formats JSON per request.
 */
import type { EndpointType } from "../../config/profile-schema.ts";

export type TurnInput = {
  model: string;
  /** Text contents of the turn (a batch of prompts for embeddings/rankings). */
  texts: string[];
  maxTokens: number | null;
  /** Image URLs or data URIs (chat only), sent as image_url parts. */
  images?: string[];
  /** Audio clips as "format,base64" (chat only), sent as input_audio parts. */
  audios?: string[];
  /** Message role (file datasets may set it); default "user". */
  role?: string;
};

export type BodyOptions = { endpointType: EndpointType; streaming: boolean; extraInputs: [string, unknown][] };

/** The JSON body object for one turn; `extraInputs` are merged last and override generated keys. */
export function requestBody(turn: TurnInput, opts: BodyOptions): Record<string, unknown> {
  const body = baseBody(turn, opts);
  for (const [key, value] of opts.extraInputs) body[key] = value;
  return body;
}

function baseBody(turn: TurnInput, opts: BodyOptions): Record<string, unknown> {
  switch (opts.endpointType) {
    case "chat": {
      const role = turn.role ?? "user";
      const media = [...(turn.images ?? []).map(imagePart), ...(turn.audios ?? []).map(audioPart)];
      // One text becomes a plain string content with name "text" (upstream's Dynamo workaround).
      const plain = turn.texts.length === 1 && media.length === 0;
      const content = plain ? turn.texts[0] : [...turn.texts.map((text) => ({ type: "text", text })), ...media];
      const message = plain ? { role, name: "text", content } : { role, content };
      const body: Record<string, unknown> = { messages: [message], model: turn.model, stream: opts.streaming };
      if (opts.streaming) body.stream_options = { include_usage: true };
      if (turn.maxTokens !== null) body.max_completion_tokens = turn.maxTokens;
      return body;
    }
    case "completions": {
      // Newer upstream sends a single prompt as a bare string; some servers reject a list.
      const body: Record<string, unknown> = { prompt: turn.texts.length === 1 ? turn.texts[0] : turn.texts, model: turn.model, stream: opts.streaming };
      if (opts.streaming) body.stream_options = { include_usage: true };
      if (turn.maxTokens) body.max_tokens = turn.maxTokens;
      return body;
    }
    case "embeddings":
      return { model: turn.model, input: turn.texts };
    case "rankings": {
      // Synthetic turns have no named query/passages: the first text is the query, the rest passages.
      const [query = "", ...passages] = turn.texts;
      return { model: turn.model, query: { text: query }, passages: (passages.length > 0 ? passages : [query]).map((text) => ({ text })) };
    }
  }
}

function imagePart(url: string): Record<string, unknown> {
  return { type: "image_url", image_url: { url } };
}

/** Upstream's audio contents are "wav,<base64>" (format, comma, data). */
function audioPart(clip: string): Record<string, unknown> {
  const comma = clip.indexOf(",");
  const [format, data] = comma < 0 ? ["wav", clip] : [clip.slice(0, comma), clip.slice(comma + 1)];
  return { type: "input_audio", input_audio: { data, format } };
}
