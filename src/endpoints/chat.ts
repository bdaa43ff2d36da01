/** OpenAI chat completions (aiperf-features §2.1): one user message per turn. */
import { parseOpenAi } from "./openai-parse.ts";
import type { Endpoint } from "./types.ts";

export const chat: Endpoint = {
  name: "chat",
  defaultPath: "/v1/chat/completions",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn, opts) {
    const role = turn.role ?? "user";
    const media = [...(turn.images ?? []).map(imagePart), ...(turn.audios ?? []).map(audioPart)];
    // One text becomes a plain string content with name "text" (upstream's Dynamo workaround).
    const plain = turn.texts.length === 1 && media.length === 0;
    const content = plain ? turn.texts[0] : [...turn.texts.map((text) => ({ type: "text", text })), ...media];
    const message = plain ? { role, name: "text", content } : { role, content };
    const body: Record<string, unknown> = { messages: [message], model: turn.model, stream: opts.streaming };
    if (opts.streaming) body.stream_options = { include_usage: true };
    if (turn.maxTokens !== null) body[opts.useLegacyMaxTokens === true ? "max_tokens" : "max_completion_tokens"] = turn.maxTokens;
    return body;
  },
  parseResponse: (payload) => parseOpenAi(payload),
};

function imagePart(url: string): Record<string, unknown> {
  return { type: "image_url", image_url: { url } };
}

/** Upstream's audio contents are "wav,<base64>" (format, comma, data). */
export function audioPart(clip: string): Record<string, unknown> {
  const comma = clip.indexOf(",");
  const [format, data] = comma < 0 ? ["wav", clip] : [clip.slice(0, comma), clip.slice(comma + 1)];
  return { type: "input_audio", input_audio: { data, format } };
}
