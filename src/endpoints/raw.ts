/**
 * `raw` (aiperf-features §2.2): no formatting and no path. Each turn's body is the dataset's
 * stored payload (`--custom-dataset-type inputs_json` or `raw_payload`), sent as is, so `--url`
 * must hold the full path. Replies are read by auto-detection, or at `--extra-inputs response_field:<path>` first.
 */
import { parseDetected } from "./auto-detect.ts";
import type { Endpoint } from "./types.ts";

/** The keys of --extra-inputs that configure raw/template instead of going into bodies. */
export const SETTING_KEYS = new Set(["payload_template", "response_field"]);

export class EndpointInputError extends Error {}

export const raw: Endpoint = {
  name: "raw",
  defaultPath: "",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn) {
    if (turn.payload === undefined) {
      throw new EndpointInputError(
        "--endpoint-type raw sends each turn's stored request body as is: give --input-file with --custom-dataset-type inputs_json or raw_payload",
      );
    }
    return structuredClone(turn.payload);
  },
  // Upstream sends raw payloads untouched: extras configure parsing only.
  mergeExtras() {},
  parseResponse: (payload, _event, opts) => parseDetected(payload, opts?.responseField, "fallback"),
};
