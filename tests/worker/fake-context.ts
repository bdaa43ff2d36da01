/** A ServiceContext without a controller: the test calls command handlers directly and stops the role. */
import { createConsola } from "consola";
import type { RoleName } from "../../src/protocol/contracts/index.ts";
import type { CommandHandler, ServiceContext, WireContext } from "../../src/runtime/context.ts";

export type FakeService<R extends RoleName> = {
  ctx: ServiceContext<R>;
  lines: string[];
  call<T>(command: string, payload?: unknown): Promise<T>;
  /** Delivers a controller broadcast to the role's onBroadcast handler, if it has one. */
  broadcast(name: string, payload: unknown): void;
  stop(): void;
};

let run = 0;

export function fakeService<R extends RoleName>(role: R, id: string): FakeService<R> {
  const handlers = new Map<string, CommandHandler>();
  const broadcasts = new Map<string, (payload: unknown) => void>();
  const stop = new AbortController();
  const lines: string[] = [];
  const prefix = `inproc://fake-${process.pid}-${++run}`;
  const name = `${role}:${id}`;
  const log = createConsola({ level: 5, reporters: [{ log: (o) => lines.push(`${o.type} ${o.args.map(String).join(" ")}`) }] });
  const ctx: WireContext = {
    role,
    id,
    name,
    config: {},
    log,
    signal: stop.signal,
    handle: (command, handler) => void handlers.set(command, handler),
    onBroadcast: (name, handler) => void broadcasts.set(name, handler),
    emit: () => {},
    bindAddress: (socket) => `${prefix}/${role}-${id}-${socket}`,
  };
  return {
    // Typed by the role's contract, as the registry does for the real runtime; `call` stays untyped
    // so tests can send what a controller never would.
    ctx: ctx as unknown as ServiceContext<R>,
    lines,
    async call<T>(command: string, payload?: unknown): Promise<T> {
      const h = handlers.get(command);
      if (h === undefined) throw new Error(`${name} has no command ${command}`);
      return (await h(payload)) as T;
    },
    broadcast: (name, payload) => broadcasts.get(name)?.(payload),
    stop: () => stop.abort(),
  };
}
