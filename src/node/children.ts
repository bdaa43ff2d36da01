/**
 * The node's service processes: this same program run as `__service '<spec>'`, as the controller
 * starts its own (controller/launchers.ts), but with the controller's endpoints over TCP and the
 * node's own IPC directory for what stays on the node (worker → record processor).
 */
import type { ConsolaInstance } from "consola";
import { forwardChildLine } from "../core/log.ts";
import { SERVICE_COMMAND, selfCommand } from "../core/self.ts";
import { type ServiceSpec, serviceName } from "../runtime/context.ts";

export type Child = { name: string; proc: Bun.Subprocess<"pipe", "pipe", "pipe">; exited: Promise<{ code: number | null; signal: string | null }> };

export function startChild(spec: ServiceSpec, log: ConsolaInstance, env: Record<string, string>): Child {
  const name = serviceName(spec.role, spec.id);
  const proc = Bun.spawn([...selfCommand(), SERVICE_COMMAND, JSON.stringify(spec)], {
    // The child watches stdin: when this agent dies, even by SIGKILL, the pipe closes and it exits.
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const pumps = [forward(proc.stderr, log, name), forward(proc.stdout, log, name)];
  const exited = proc.exited.then(async () => {
    await Promise.all(pumps);
    return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
  });
  return { name, proc, exited };
}

async function forward(stream: ReadableStream<Uint8Array>, log: ConsolaInstance, name: string): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) forwardChildLine(log, line, name);
  }
  if (rest !== "") forwardChildLine(log, rest, name);
}
