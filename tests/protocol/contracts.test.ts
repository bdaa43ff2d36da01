/**
 * The role contracts (src/protocol/contracts/). Most of what they promise is checked by the
 * compiler: the `@ts-expect-error` lines below fail `tsc` (in `npm test`) the day a misuse they
 * name starts to compile. What types cannot see, a contract command no handler answers, is
 * checked here by running every role against a recording context.
 */
import { expect, test } from "bun:test";
import { createConsola } from "consola";
import type { Supervisor } from "../../src/controller/supervisor.ts";
import type { RoleName } from "../../src/protocol/contracts/index.ts";
import { CONTRACT_NAMES, type ContractNamesComplete } from "../../src/protocol/contracts/names.ts";
import type { ServiceContext, WireContext } from "../../src/runtime/context.ts";
import { loadRole } from "../../src/services/registry.ts";

/** What a role registers when it starts: the commands it answers and the broadcasts it hears. */
async function registered(role: RoleName): Promise<{ commands: string[]; broadcasts: string[] }> {
  const commands: string[] = [];
  const broadcasts: string[] = [];
  const stop = new AbortController();
  const ctx: WireContext = {
    role,
    id: "0",
    name: `${role}:0`,
    config: {},
    log: createConsola({ level: -999 }),
    signal: stop.signal,
    handle: (command) => void commands.push(command),
    onBroadcast: (name) => void broadcasts.push(name),
    emit: () => {},
    bindAddress: (socket) => `inproc://contracts-${process.pid}/${role}-${socket}`,
  };
  const loading = loadRole(role);
  if (loading === undefined) throw new Error(`no role ${role}`);
  const running = (await loading).run(ctx);
  // Roles register their handlers before their first await (runtime/service-runtime.ts relies on it).
  stop.abort();
  await running;
  return { commands: commands.sort(), broadcasts: broadcasts.sort() };
}

test("every role answers exactly the commands its contract names and hears its broadcasts", async () => {
  for (const role of Object.keys(CONTRACT_NAMES) as RoleName[]) {
    const names = CONTRACT_NAMES[role];
    expect({ role, ...(await registered(role)) }).toEqual({ role, commands: [...names.commands].sort(), broadcasts: [...names.broadcasts].sort() });
  }
});

test("the names list covers every contract (a compile-time check, read back at run time)", () => {
  const complete: ContractNamesComplete = true;
  expect(complete).toBe(true);
});

/** Never called: each line is a misuse the compiler must refuse. */
export function misuses(sup: Supervisor, timing: ServiceContext<"timing">, worker: ServiceContext<"worker">): void {
  // @ts-expect-error a command the role does not have
  void sup.command("timing:0", "configure");
  // @ts-expect-error a role that does not exist
  void sup.command("scheduler:0", "bind");
  // @ts-expect-error a payload of the wrong shape
  void sup.command("records:0", "configure", { artifactDir: 1 });
  // @ts-expect-error a command that needs a payload, sent without one
  void sup.command("dataset:0", "configure");
  // @ts-expect-error the reply has no such field
  void sup.command("timing:0", "bind").then((r) => r.port);
  // @ts-expect-error an event no role emits
  sup.on("phase_end", () => {});
  // @ts-expect-error an event's payload read as another's
  sup.on("progress", (_from, p) => p.startWallNs);
  // @ts-expect-error a broadcast with the wrong payload
  sup.broadcast("cancel_requests", { phases: ["profiling"] });
  // @ts-expect-error a role emitting another role's event
  timing.emit("records_live", { records: 0 });
  // @ts-expect-error a handler whose reply does not match the contract
  timing.handle("cancel", () => ({ cancelled: true }));
  // @ts-expect-error a role listening to a broadcast its contract does not name
  worker.onBroadcast("phase_start", () => {});
}
