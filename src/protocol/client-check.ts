/**
 * What the records service needs, beyond the records, for the arrival-fidelity block and the
 * run-validity verdict: the requested arrival process, the verdict's bounds, and each worker's
 * event-loop lag (from the workers' "stats"). Sent by the controller inside "finalize".
 */
import * as v from "valibot";

/**
 * One worker's event-loop lag over the profiling phase: drift of a periodic timer, ns; and, in
 * the probes at or above the p99, the share (0–1) of the thread's busy time spent runnable but
 * waiting for a CPU, and the share of their lateness spent asleep past the timer (Linux only;
 * absent where unknown, and from older builds).
 */
export const LoopLag = v.object({
  samples: v.number(),
  p99Ns: v.number(),
  maxNs: v.number(),
  tailCpuWaitShare: v.optional(v.number()),
  tailLateWakeShare: v.optional(v.number()),
});
export type LoopLag = v.InferOutput<typeof LoopLag>;

const ArrivalSpecSchema = v.variant("kind", [
  v.object({ kind: v.picklist(["constant", "poisson"]), rate: v.number() }),
  v.object({ kind: v.literal("gamma"), rate: v.number(), shape: v.number() }),
  v.object({ kind: v.picklist(["fixed_schedule", "none"]) }),
]);

export const ClientCheckInput = v.object({
  arrival: ArrivalSpecSchema,
  /** Concurrency only (no rate, schedule or users): the send-lag bound scales with latency. */
  closedLoop: v.optional(v.boolean(), false),
  /**
   * Closed loop: the first this many credits (one per slot, all sent at once at the phase start)
   * are left out of the send-lag verdict: their lateness delays each slot's start once, not the load.
   */
  startupCredits: v.optional(v.number()),
  /** --client-bottleneck-send-lag-ms; absent: the verdict's defaults. */
  sendLagBoundMs: v.optional(v.number()),
  loopLagBoundMs: v.number(),
  workerLoopLag: v.array(v.object({ worker: v.string(), ...LoopLag.entries })),
});
export type ClientCheckInput = v.InferOutput<typeof ClientCheckInput>;
