/**
 * Request bodies per endpoint type (reference/aiperf-features.md §2.1, §2.2), built once per turn
 * when the dataset is written, so a worker sends stored bytes and never formats JSON per request.
 * The shapes live in src/endpoints/; this is the dataset's entry point.
 */
import type { EndpointType } from "../../config/profile-schema.ts";
import { DatasetInputError } from "../../dataset/loaders/model.ts";
import { EndpointInputError } from "../../endpoints/raw.ts";
import { buildRequestBody } from "../../endpoints/registry.ts";
import type { TurnInput } from "../../endpoints/types.ts";

export type { TurnInput } from "../../endpoints/types.ts";

type BodyOptions = {
  endpointType: EndpointType;
  streaming: boolean;
  extraInputs: [string, unknown][];
  useLegacyMaxTokens?: boolean;
  inputFile?: string | null;
};

/**
 * The JSON body object for one turn; `extraInputs` are merged last and override generated keys.
 * A turn the endpoint cannot send (no audio for audio_transcription, no stored payload for raw)
 * is a DatasetInputError naming the input file, or the endpoint type for synthetic data.
 */
export function requestBody(turn: TurnInput, opts: BodyOptions): Record<string, unknown> {
  try {
    return buildRequestBody(opts.endpointType, turn, { streaming: opts.streaming, useLegacyMaxTokens: opts.useLegacyMaxTokens === true }, opts.extraInputs);
  } catch (error) {
    if (error instanceof EndpointInputError) throw new DatasetInputError(opts.inputFile ?? `--endpoint-type ${opts.endpointType}`, undefined, error.message);
    throw error;
  }
}

/** A session's shared system prompt and its own user context prompt (either may be null). */
type ContextMessages = { system: string | null; userContext: string | null };

/**
 * Adds the context prompts to a built body (newer upstream's `system_message` and
 * `user_context_message`): chat gets a system message and a user message before the first turn's
 * message (later turns inherit them through the session history); Anthropic messages get the
 * top-level `system` on every turn and the user context before the first turn's message.
 */
export function withContextMessages(
  body: Record<string, unknown>,
  endpointType: EndpointType,
  ctx: ContextMessages,
  firstTurn: boolean,
): Record<string, unknown> {
  if (!Array.isArray(body.messages) || (ctx.system === null && ctx.userContext === null)) return body;
  const lead: Record<string, unknown>[] = [];
  if (endpointType === "messages") {
    if (ctx.system !== null) body.system = ctx.system;
  } else if (firstTurn && ctx.system !== null) {
    lead.push({ role: "system", content: ctx.system });
  }
  if (firstTurn && ctx.userContext !== null) lead.push({ role: "user", content: ctx.userContext });
  body.messages = [...lead, ...body.messages];
  return body;
}
