/** Hugging Face TGI: `/generate` answers `{generated_text}`, `/generate_stream` one event per token. */
import * as v from "valibot";
import type { Dialect } from "./dialect-handler.ts";
import { tokenTime } from "./generation.ts";
import { replyText, tokenText } from "./tokens.ts";

const TgiRequest = v.looseObject({
  inputs: v.string(),
  parameters: v.optional(v.nullable(v.looseObject({ max_new_tokens: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))) }))),
});

function tgi(stream: boolean): Dialect<typeof TgiRequest> {
  return {
    endpoint: "generate",
    idPrefix: "tgi",
    schema: TgiRequest,
    read: (body) => ({ maxTokens: body.parameters?.max_new_tokens, prompt: body.inputs, stream, model: undefined }),
    *events(plan) {
      for (let i = 0; i < plan.tokens; i++) {
        const last = i === plan.tokens - 1;
        // TGI repeats the whole text, with details, on the last token's event.
        const event = {
          index: i + 1,
          token: { id: i, text: tokenText(i), logprob: -0.5, special: false },
          generated_text: last ? replyText(plan.tokens) : null,
          details: last ? { finish_reason: "length", generated_tokens: plan.tokens, seed: null } : null,
        };
        yield { at: tokenTime(plan, i), data: JSON.stringify(event), tokens: 1 };
      }
    },
    cutIndex: (tokens) => tokens,
    reply: (_plan, text) => ({ generated_text: text }),
  };
}

export const tgiGenerate = tgi(false);
export const tgiGenerateStream = tgi(true);
