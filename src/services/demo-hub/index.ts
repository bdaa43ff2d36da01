/**
 * Bus demo hub: hands out numbered credits over a ROUTER to demo workers, keeping a window of them
 * outstanding per worker, and counts the returns. A small model of the timing service.
 */
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { type ExchangeRequest, type ExchangeResult, parseExchangeRequest } from "../../protocol/demo-exchange.ts";

markLoaded("role:demo-hub");

export async function run(ctx: ServiceContext<"demo-hub">): Promise<void> {
  let router: BusSocket | undefined;
  ctx.handle("bind", () => {
    router = createSocket("ROUTER", { name: `${ctx.name} credits`, routerMandatory: true });
    return { endpoint: router.bind(ctx.bindAddress("credits")) };
  });
  ctx.handle("exchange", async (payload) => {
    if (router === undefined) throw new Error("exchange before bind");
    return exchange(router, parseExchangeRequest(payload));
  });
  await untilStopped(ctx.signal);
  router?.close();
}

async function exchange(router: BusSocket, req: ExchangeRequest): Promise<ExchangeResult> {
  await router.waitForPeers(req.workers.length, 30_000);
  const ids = req.workers.map((w) => new TextEncoder().encode(w));
  const perWorker = new Array<number>(ids.length).fill(0);
  const indexOf = new Map(req.workers.map((w, i) => [w, i]));
  let sent = 0;
  let returned = 0;
  const startNs = Bun.nanoseconds();
  const credit = (worker: number): void => {
    const body = new Uint8Array(req.messageBytes);
    new DataView(body.buffer).setUint32(0, sent++);
    // The window stays below the high-water mark, so a mandatory ROUTER never finds a peer full.
    if (!router.trySend([ids[worker] as Uint8Array, body])) throw new Error(`worker ${req.workers[worker]} is full`);
  };
  const done = new Promise<void>((resolve) => {
    router.onMessage((msg: Message) => {
      const worker = indexOf.get(new TextDecoder().decode(msg[0])) ?? -1;
      perWorker[worker] = (perWorker[worker] ?? 0) + 1;
      if (++returned === req.messages) return resolve();
      if (sent < req.messages) credit(worker);
    });
  });
  for (let w = 0; w < ids.length; w++) for (let k = 0; k < req.window && sent < req.messages; k++) credit(w);
  await done;
  router.onMessage(undefined);
  const seconds = (Bun.nanoseconds() - startNs) / 1e9;
  return { credits: sent, returns: returned, seconds, messagesPerSecond: (sent + returned) / seconds, perWorker };
}
