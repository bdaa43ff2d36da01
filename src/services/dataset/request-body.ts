/**
 * Request bodies per endpoint type (reference/aiperf-features.md §2.1, §2.2), built once per turn
 * when the dataset is written, so a worker sends stored bytes and never formats JSON per request.
 * The shapes live in src/endpoints/; this is the dataset's entry point.
 */
import type { EndpointType } from "../../config/profile-schema.ts";
import { buildRequestBody } from "../../endpoints/registry.ts";
import type { TurnInput } from "../../endpoints/types.ts";

export type { TurnInput } from "../../endpoints/types.ts";

export type BodyOptions = { endpointType: EndpointType; streaming: boolean; extraInputs: [string, unknown][]; useLegacyMaxTokens?: boolean };

/** The JSON body object for one turn; `extraInputs` are merged last and override generated keys. */
export function requestBody(turn: TurnInput, opts: BodyOptions): Record<string, unknown> {
  return buildRequestBody(opts.endpointType, turn, { streaming: opts.streaming, useLegacyMaxTokens: opts.useLegacyMaxTokens === true }, opts.extraInputs);
}
