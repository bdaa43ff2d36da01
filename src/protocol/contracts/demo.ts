/** Roles "demo-hub" and "demo-worker" (aiperf bus-demo): a small model of timing and workers. */
import type * as v from "valibot";
import type { ExchangeRequest, ExchangeResult } from "../demo-exchange.ts";
import type { Command, None } from "./contract.ts";

export type DemoHubContract = {
  commands: {
    bind: Command<undefined, { endpoint: string }>;
    exchange: Command<v.InferInput<typeof ExchangeRequest>, ExchangeResult>;
  };
  events: None;
  broadcasts: None;
};

export type DemoWorkerContract = {
  commands: {
    connect: Command<{ endpoint: string }, { connected: boolean }>;
    stats: Command<undefined, { credits: number }>;
  };
  events: None;
  broadcasts: None;
};
