/**
 * A service as a child process: this same program run as `__service '<spec>'`. The controller
 * starts its own this way (controller/launchers.ts) and a worker node its workers and record
 * processors (node/agent.ts). The child's output lines go to `log` under its name; the child
 * watches its stdin, so when the parent dies, even by SIGKILL, the pipe closes and it exits.
 */
import type { ConsolaInstance } from "consola";
import { forwardChildLine } from "../core/log.ts";
import { SERVICE_COMMAND, selfCommand } from "../core/self.ts";
import { type ServiceSpec, serviceName } from "./context.ts";

export type SpawnedService = {
  name: string;
  proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  /** Settles once the process ended and its output was forwarded. */
  exited: Promise<{ code: number | null; signal: string | null }>;
};

/** Several specs: one process runs them all, on its event loop (the first is the host, named for it). */
export function spawnService(
  specs: ServiceSpec | ServiceSpec[],
  log: ConsolaInstance,
  env: Record<string, string> = {},
  command = selfCommand(),
): SpawnedService {
  const all = Array.isArray(specs) ? specs : [specs];
  const host = all[0] as ServiceSpec;
  const name = serviceName(host.role, host.id);
  const proc = Bun.spawn([...command, SERVICE_COMMAND, JSON.stringify(all.length === 1 ? host : all)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const pumps = [forwardLines(proc.stderr, log, name), forwardLines(proc.stdout, log, name)];
  const exited = proc.exited.then(async () => {
    await Promise.all(pumps);
    return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
  });
  return { name, proc, exited };
}

async function forwardLines(stream: ReadableStream<Uint8Array>, log: ConsolaInstance, name: string): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) forwardChildLine(log, line, name);
  }
  if (rest !== "") forwardChildLine(log, rest, name);
}
