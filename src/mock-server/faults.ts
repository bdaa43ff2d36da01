/** Per-request fault decisions, drawn from one seeded sequence in request-arrival order. */

interface FaultRates {
  errorRate: number;
  resetRate: number;
  stallRate: number;
}

export interface FaultPlan {
  /** Answer 500 instead of doing the work. */
  error: boolean;
  /** Streams only: drop the connection after this many content tokens (no final chunk, no [DONE]). */
  resetAfter: number | undefined;
  /** Pause before this content token (streams) or add the pause to the latency (non-streaming). */
  stallBefore: number | undefined;
}

/**
 * Returns a planner that takes a request's token count. Every call consumes exactly five draws,
 * whatever the rates, so the same seed gives the same faults to the same request numbers even when
 * only one rate changes between runs.
 */
export function faultPlanner(rates: FaultRates, random: () => number): (tokens: number) => FaultPlan {
  return (tokens) => {
    const [errorDraw, resetDraw, resetWhere, stallDraw, stallWhere] = [random(), random(), random(), random(), random()];
    const error = errorDraw * 100 < rates.errorRate;
    // "A few tokens" in: somewhere in the first half, at least one token so the stream has started.
    const resetAfter = resetDraw * 100 < rates.resetRate ? 1 + Math.floor(resetWhere * Math.max(1, Math.ceil(tokens / 2))) : undefined;
    // Mid-stream: before some token after the first; a one-token reply stalls before its only token.
    const stallBefore = stallDraw * 100 < rates.stallRate ? (tokens < 2 ? 0 : 1 + Math.floor(stallWhere * (tokens - 1))) : undefined;
    return { error, resetAfter: resetAfter === undefined ? undefined : Math.min(resetAfter, tokens), stallBefore };
  };
}
