/** A ServiceContext without a controller: the test calls command handlers directly and stops the role. */
import { createConsola } from "consola";
import type { CommandHandler, ServiceContext } from "../../src/runtime/context.ts";

export type FakeService = {
  ctx: ServiceContext;
  lines: string[];
  call<T>(command: string, payload?: unknown): Promise<T>;
  stop(): void;
};

let run = 0;

export function fakeService(role: string, id: string): FakeService {
  const handlers = new Map<string, CommandHandler>();
  const stop = new AbortController();
  const lines: string[] = [];
  const prefix = `inproc://fake-${process.pid}-${++run}`;
  const name = `${role}:${id}`;
  const log = createConsola({ level: 5, reporters: [{ log: (o) => lines.push(`${o.type} ${o.args.map(String).join(" ")}`) }] });
  const ctx: ServiceContext = {
    role,
    id,
    name,
    config: {},
    log,
    signal: stop.signal,
    handle: (command, handler) => void handlers.set(command, handler),
    onBroadcast: () => {},
    emit: () => {},
    bindAddress: (socket) => `${prefix}/${role}-${id}-${socket}`,
  };
  return {
    ctx,
    lines,
    async call<T>(command: string, payload?: unknown): Promise<T> {
      const h = handlers.get(command);
      if (h === undefined) throw new Error(`${name} has no command ${command}`);
      return (await h(payload)) as T;
    },
    stop: () => stop.abort(),
  };
}
