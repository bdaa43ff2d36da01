/**
 * The controller's address as the nodes dial it, and the port: Slurm's own NodeAddr of the
 * controller's host (the address slurmctld reaches that host on, so the other hosts reach it too),
 * resolved to an IP; on a host outside the allocation, its first non-loopback IPv4 address.
 */
import { spawnSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { BenchError } from "../core/errors.ts";

const noAddress = (why: string): BenchError =>
  new BenchError("CONFIG_INVALID", `--slurm could not find the address the nodes should dial: ${why}`, {
    hint: "Give it: --zmq-host ADDR (an address of this host that the allocation's hosts reach)",
  });

/** NodeAddr of `node` from `scontrol show node`; undefined when scontrol does not say. */
function nodeAddr(node: string, env: Record<string, string | undefined>): string | undefined {
  const out = spawnSync("scontrol", ["--oneliner", "show", "node", node], { env, encoding: "utf8", timeout: 10_000 });
  if (out.error !== undefined || out.status !== 0) return undefined;
  return /(?:^|\s)NodeAddr=(\S+)/.exec(out.stdout)?.[1];
}

export async function controllerAddress(here: string | undefined, env: Record<string, string | undefined>): Promise<string> {
  if (here !== undefined) {
    const addr = nodeAddr(here, env);
    if (addr === undefined) throw noAddress(`"scontrol show node ${here}" gave no NodeAddr`);
    if (isIP(addr) !== 0) return addr;
    try {
      return (await lookup(addr, { family: 4 })).address;
    } catch (error) {
      throw noAddress(`${here}'s NodeAddr "${addr}" does not resolve (${(error as Error).message})`);
    }
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw noAddress("this host is outside the allocation and has no IPv4 address besides loopback");
}

/** Linux's range of local ports for outgoing connections (and port 0); undefined where unknown. */
export function ephemeralPorts(read: () => string = () => readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "latin1")): [number, number] | undefined {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) && low <= high ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

/** The lowest port freePortRange picks from: below it are the well-known and commonly configured ones. */
const LOWEST_PICKED = 10_000;

/**
 * The first of `count` consecutive TCP ports free on `host` now (the controller listens on five
 * from --zmq-port and binds them a moment later). Picked below the kernel's range of ports for
 * outgoing connections where there is room: a port from that range could be taken, between the
 * pick and the bind, as the local end of a connection this host makes (it happened in CI, where
 * the records service's port went to one); elsewhere a range the kernel hands out for port 0.
 * `range`: reads the kernel's range for outgoing connections (a test passes its own).
 */
export function freePortRange(host: string, count: number, range: () => [number, number] | undefined = ephemeralPorts): number {
  const ephemeral = range();
  const below = ephemeral !== undefined && ephemeral[0] - count > LOWEST_PICKED ? ephemeral[0] - count : undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    const held: { stop(force?: boolean): void }[] = [];
    try {
      const first = below === undefined ? kernelPicked(host) : LOWEST_PICKED + Math.floor(Math.random() * (below - LOWEST_PICKED + 1));
      if (first + count - 1 > 65535) continue;
      for (let i = 0; i < count; i++) held.push(Bun.listen({ hostname: host, port: first + i, socket: { data() {} } }));
      return first;
    } catch {
      // One of them is taken: another range.
    } finally {
      for (const s of held) s.stop(true);
    }
  }
  throw new BenchError("CONFIG_INVALID", `--slurm found no ${count} consecutive free TCP ports on ${host}`, {
    hint: "Give the first of them: --zmq-port P (P to P+4 must be free)",
  });
}

/** A port the kernel hands out for port 0 on `host`, released again. */
function kernelPicked(host: string): number {
  const any = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  any.stop(true);
  return any.port;
}

/** Resolves true once HOST:PORT accepts a connection, false if `gone` settles first. */
export async function waitForListener(host: string, port: number, gone: Promise<unknown>): Promise<boolean> {
  let stopped = false;
  void gone.then(() => (stopped = true));
  while (!stopped) {
    const open = await Bun.connect({ hostname: host, port, socket: { data() {} } }).then(
      (s) => {
        s.end();
        return true;
      },
      () => false,
    );
    if (open) return true;
    await Bun.sleep(100);
  }
  return false;
}
