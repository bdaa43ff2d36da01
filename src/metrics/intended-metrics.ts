/**
 * Intended-time metrics (beyond upstream; the coordinated-omission correction peers ask for):
 * each request measured from when the schedule meant it to go, not from when it went. A client
 * that falls behind shows up as send lag instead of hiding inside normal-looking latencies.
 *   send_lag                       request start − intended send time
 *   intended_time_to_first_token   first content response − intended send time
 *   intended_request_latency       last content response − intended send time
 * NO_CONSOLE: the console table stays upstream's; JSON, CSV and JSONL carry them.
 */
import type { RequestRecord } from "../records/record.ts";
import type { MetricContext } from "./context.ts";
import type { MetricValues } from "./spec.ts";

/** Adds the three metrics of a valid record that carries its intended time. */
export function addIntendedMetrics(record: RequestRecord, ctx: MetricContext, values: MetricValues): void {
  const intended = record.intendedNs;
  if (intended === undefined || !Number.isFinite(intended)) return;
  const r = record.responseNs;
  const on = ctx.applicable;
  if (on.has("send_lag")) values.send_lag = record.startNs - intended;
  const first = r[0];
  if (on.has("intended_time_to_first_token") && first !== undefined) values.intended_time_to_first_token = first - intended;
  const last = r[r.length - 1];
  if (on.has("intended_request_latency") && last !== undefined) values.intended_request_latency = last - intended;
}
