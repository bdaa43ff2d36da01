/**
 * Hosts for multi-machine tests: Linux network namespaces joined by a bridge that lives in a
 * namespace of its own, so nothing is added to the machine's own network. Each host has one
 * address on a private /24 and reaches only the other hosts of the same net. Every namespace is
 * named `aiperf-nt-<pid>-<name>`, so a later run removes those of a test process that died
 * without cleaning up (sweepStaleNets). Needs root and iproute2's `ip`; tests skip (counted) without.
 */
import { spawnSync } from "node:child_process";

const PREFIX = "aiperf-nt-";

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root";
  if (Bun.which("ip") === null) return "iproute2's ip is not installed";
  return undefined;
}

function ip(args: string[]): string {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

function listNets(): string[] {
  return ip(["netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(PREFIX));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes the namespaces of earlier test processes that are gone (a crash, a SIGKILL). */
export function sweepStaleNets(): string[] {
  const stale = listNets().filter((n) => !alive(Number(n.slice(PREFIX.length).split("-")[0])));
  for (const n of stale) spawnSync("ip", ["netns", "del", n]);
  return stale;
}

export type Net = {
  /** host name → its address. */
  addresses: Record<string, string>;
  /** The command prefix that runs a program on `host`. */
  exec(host: string): string[];
  /** Deletes every namespace (and with them every link) this net made; safe to call twice. */
  destroy(): void;
};

/** Makes one namespace per host, all on `subnet`.0/24 (host i gets .i+2), joined by a bridge. */
export function createNet(hosts: string[], subnet: string): Net {
  const tag = `${PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const made: string[] = [];
  const destroy = (): void => {
    for (const n of made.splice(0).reverse()) spawnSync("ip", ["netns", "del", n]);
  };
  process.once("exit", destroy);
  const sw = `${tag}-sw`;
  const addresses: Record<string, string> = {};
  try {
    ip(["netns", "add", sw]);
    made.push(sw);
    ip(["-n", sw, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", sw, "link", "set", "br0", "up"]);
    hosts.forEach((host, i) => {
      const ns = `${tag}-${host}`;
      ip(["netns", "add", ns]);
      made.push(ns);
      const port = `v${i}`;
      ip(["-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      ip(["-n", sw, "link", "set", port, "master", "br0", "up"]);
      const address = `${subnet}.${i + 2}`;
      ip(["-n", ns, "addr", "add", `${address}/24`, "dev", "eth0"]);
      ip(["-n", ns, "link", "set", "eth0", "up"]);
      ip(["-n", ns, "link", "set", "lo", "up"]);
      addresses[host] = address;
    });
  } catch (error) {
    destroy();
    throw error;
  }
  return {
    addresses,
    exec: (host) => ["ip", "netns", "exec", `${tag}-${host}`],
    destroy,
  };
}

/** The namespaces of this process still present (a test checks its cleanup with it). */
export function netsOfThisProcess(): string[] {
  return listNets().filter((n) => n.startsWith(`${PREFIX}${process.pid}-`));
}
