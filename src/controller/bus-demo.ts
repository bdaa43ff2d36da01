/**
 * The bus demo: one hub and N workers, each a service of its own, pass credits back and forth over
 * a ROUTER/DEALER link. It exercises the whole process model: spawn, register, command, shut down.
 */
import type { ExchangeResult } from "../protocol/demo-exchange.ts";
import type { Supervisor } from "./supervisor.ts";

type BusDemoOptions = { workers: number; messages: number; window: number; messageBytes: number };
type BusDemoResult = ExchangeResult & { workerCredits: number[]; services: ReturnType<Supervisor["services"]> };

const HUB = "demo-hub:0";

/** The services the demo needs, for Supervisor.start. */
export function busDemoServices(workers: number): { role: string; id: string }[] {
  return [{ role: "demo-hub", id: "0" }, ...Array.from({ length: workers }, (_, i) => ({ role: "demo-worker", id: String(i) }))];
}

/** Runs the exchange on a started supervisor; the caller shuts it down. */
export async function runBusDemo(supervisor: Supervisor, options: BusDemoOptions): Promise<BusDemoResult> {
  const workers = Array.from({ length: options.workers }, (_, i) => `demo-worker:${i}` as const);
  const { endpoint } = await supervisor.command(HUB, "bind");
  await Promise.all(workers.map((w) => supervisor.command(w, "connect", { endpoint })));
  // Scale the reply deadline with the work: even 100k msgs/s finishes well inside it.
  const timeoutMs = 30_000 + options.messages / 50;
  const result = await supervisor.command(
    HUB,
    "exchange",
    { workers, messages: options.messages, window: options.window, messageBytes: options.messageBytes },
    timeoutMs,
  );
  const stats = await Promise.all(workers.map((w) => supervisor.command(w, "stats")));
  return { ...result, workerCredits: stats.map((s) => s.credits), services: supervisor.services() };
}
