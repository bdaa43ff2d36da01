/** The demo hub's "exchange" command (bus demo): request and result shapes. */
import * as v from "valibot";

export const ExchangeRequest = v.object({
  workers: v.pipe(v.array(v.string()), v.minLength(1)),
  messages: v.pipe(v.number(), v.integer(), v.minValue(1)),
  window: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(900)),
  messageBytes: v.pipe(v.number(), v.integer(), v.minValue(4)),
});
export type ExchangeRequest = v.InferOutput<typeof ExchangeRequest>;

export type ExchangeResult = { credits: number; returns: number; seconds: number; messagesPerSecond: number; perWorker: number[] };

export function parseExchangeRequest(payload: unknown): ExchangeRequest {
  return v.parse(ExchangeRequest, payload);
}
