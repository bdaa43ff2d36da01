/** Bus demo worker: returns every credit the hub sends it, as a real worker returns credits. */
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { markLoaded } from "../../core/loaded.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";

markLoaded("role:demo-worker");

export async function run(ctx: ServiceContext<"demo-worker">): Promise<void> {
  let dealer: BusSocket | undefined;
  let credits = 0;
  ctx.handle("connect", ({ endpoint }) => {
    const socket = createSocket("DEALER", { identity: ctx.name, name: `${ctx.name} credits` });
    socket.onMessage((msg: Message) => {
      credits++;
      if (!socket.trySend(msg)) void socket.send(msg);
    });
    socket.connect(endpoint);
    dealer = socket;
    return socket.waitForPeers(1, 10_000).then(() => ({ connected: true }));
  });
  ctx.handle("stats", () => ({ credits }));
  await untilStopped(ctx.signal);
  dealer?.close();
}
