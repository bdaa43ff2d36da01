/** OpenAI completions (aiperf-features §2.1). */
import { parseOpenAi } from "./openai-parse.ts";
import type { Endpoint } from "./types.ts";

export const completions: Endpoint = {
  name: "completions",
  defaultPath: "/v1/completions",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn, opts) {
    // Newer upstream sends a single prompt as a bare string; some servers reject a list.
    const body: Record<string, unknown> = { prompt: turn.texts.length === 1 ? turn.texts[0] : turn.texts, model: turn.model, stream: opts.streaming };
    if (opts.streaming) body.stream_options = { include_usage: true };
    if (turn.maxTokens) body.max_tokens = turn.maxTokens;
    return body;
  },
  parseResponse: (payload) => parseOpenAi(payload),
};
