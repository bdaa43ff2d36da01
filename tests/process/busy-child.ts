/**
 * A service child for busy-heartbeat.test.ts: registers and heartbeats like a real service, then
 * blocks its event loop for BLOCK_MS, announcing it first (heartbeat busyMs) when ANNOUNCE=1.
 * Invoked as `bun busy-child.ts __service '<spec>'`, as the process launcher runs services.
 */
import { createSocket } from "../../src/bus/index.ts";
import { encodeControl } from "../../src/protocol/control.ts";
import type { ServiceSpec } from "../../src/runtime/context.ts";

const spec = JSON.parse(process.argv[process.argv.length - 1] as string) as ServiceSpec;
const name = `${spec.role}:${spec.id}`;
const control = createSocket("DEALER", { identity: name, name: `${name} control` });
control.connect(spec.control);
const send = (msg: Parameters<typeof encodeControl>[0]): Promise<void> => control.send(encodeControl(msg));
await send({ type: "register", role: spec.role, id: spec.id, pid: process.pid, loaded: [] });
setInterval(() => void send({ type: "heartbeat", id: name }), spec.heartbeatMs);
const blockMs = Number(process.env.BLOCK_MS);
await Bun.sleep(300);
if (process.env.ANNOUNCE === "1") {
  await send({ type: "heartbeat", id: name, busyMs: blockMs + 1000 });
  await Bun.sleep(20);
}
const until = performance.now() + blockMs;
while (performance.now() < until) {
  // a long synchronous job: no timers, no socket I/O
}
// Exit with the controller: its stdin pipe closes when it goes.
for await (const _ of Bun.stdin.stream()) {
}
process.exit(0);
