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
      // One text becomes a plain string content with name "text" (upstream's Dynamo workaround).
      const content = turn.texts.length === 1 ? turn.texts[0] : turn.texts.map((text) => ({ type: "text", text }));
      const message = turn.texts.length === 1 ? { role: "user", name: "text", content } : { role: "user", content };
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
