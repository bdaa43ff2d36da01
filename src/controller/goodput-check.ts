/** --goodput names metrics: unknown or inapplicable tags fail here, before any service starts. */
import type { ResolvedProfile } from "../config/resolve.ts";
import { BenchError } from "../core/errors.ts";
import { createMetricContext, GoodputConfigError } from "../metrics/index.ts";
import { tokenizesInput } from "../endpoints/capabilities.ts";

export function checkGoodput(cfg: Pick<ResolvedProfile, "goodput" | "streaming" | "producesTokens" | "endpointType">): void {
  if (cfg.goodput === undefined) return;
  try {
    createMetricContext({
      streaming: cfg.streaming,
      producesTokens: cfg.producesTokens,
      tokenizesInput: tokenizesInput(cfg.endpointType),
      goodputSlos: cfg.goodput,
    });
  } catch (error) {
    if (error instanceof GoodputConfigError)
      throw new BenchError("CONFIG_INVALID", `Invalid value ${JSON.stringify(Object.keys(cfg.goodput).join(" "))} for --goodput: ${error.message}`);
    throw error;
  }
}
