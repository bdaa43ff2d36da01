/**
 * An endpoint type: `--endpoint-type example_completions`. It sends OpenAI completions requests
 * with its own body and reads the replies with its own parser (no built-in code), so it is a
 * template for a server whose API aiperf does not know.
 */
import type { Endpoint, ParsedResponse, Plugin, Skip } from "../../src/plugins/api.ts";

const exampleCompletions: Endpoint = {
  name: "example_completions",
  defaultPath: "/v1/completions",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn, opts) {
    const body: Record<string, unknown> = { model: turn.model, prompt: turn.texts.join("\n"), stream: opts.streaming };
    if (turn.maxTokens !== null) body.max_tokens = turn.maxTokens;
    return body;
  },
  // One SSE data payload when streaming, the whole body otherwise.
  parseResponse(payload): ParsedResponse | Skip {
    if (payload.trim() === "[DONE]") return { skip: "done" };
    let reply: { choices?: { text?: string }[] };
    try {
      reply = JSON.parse(payload);
    } catch {
      return { skip: "invalid-json" };
    }
    const text = reply.choices?.[0]?.text;
    if (typeof text !== "string") return { skip: "no-content" };
    return text === "" ? { skip: "empty" } : { kind: "text", text, reasoning: "" };
  },
};

const plugin: Plugin = { name: "example endpoint", endpoints: [exampleCompletions] };
export default plugin;
