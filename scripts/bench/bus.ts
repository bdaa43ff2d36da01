/**
 * Bus benchmark: our pure-TS ZMTP (src/bus) against libzmq 4.3.5 (the zeromq npm package under
 * Node), each end in its own process, on the same machine in the same run.
 *
 *   bun scripts/bench/bus.ts [--repeat 3] [--count 2000000] [--samples 10000] [--only ipc]
 *
 * Prints one JSON line per case. Throughput is timed by the receiver from its first message to
 * its last (as libzmq's local_thr does), so process start-up and connecting are not counted.
 * Latency is a sequential DEALER → ROUTER (echo) → DEALER ping-pong timed by the DEALER.
 *
 * The same file is also our side's peer process: `bus.ts --role pull|push|echo|ping ...`.
 * The libzmq side's peer is zmq-peer.cjs (the zeromq addon only loads under Node).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { createSocket } from "../../src/bus/index.ts";
import { lines } from "./support.ts";

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  return value ?? fallback;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Keeps a peer process alive after its work, so the kernel and peer get everything it queued. */
function stayUp(): Promise<never> {
  return new Promise(() => setInterval(() => {}, 1 << 30));
}

// ---- our side's peer roles ----

type RoleArgs = { endpoint: string; count: number; size: number; hwm: number; warmup: number };

async function ourPull(a: RoleArgs): Promise<void> {
  const sock = createSocket("PULL", { receiveHighWaterMark: a.hwm });
  say(`ready ${sock.bind(a.endpoint)}`);
  let n = 0;
  let bytes = 0;
  let start = 0n;
  let cpu0 = process.cpuUsage();
  const { promise, resolve } = Promise.withResolvers<void>();
  // onMessage is the socket's synchronous fast path: no promise per message.
  sock.onMessage((msg) => {
    if (n === 0) {
      start = process.hrtime.bigint();
      cpu0 = process.cpuUsage();
    }
    bytes += (msg[0] as Uint8Array).length;
    if (++n === a.count) resolve();
  });
  await promise;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  say(`result ${JSON.stringify({ count: a.count, bytes, seconds, rate: (a.count - 1) / seconds, cpu_us: cpu.user + cpu.system })}`);
  sock.close();
}

async function ourPush(a: RoleArgs): Promise<void> {
  const sock = createSocket("PUSH", { sendHighWaterMark: a.hwm });
  sock.connect(a.endpoint);
  say(`ready ${a.endpoint}`);
  await sock.waitForPeers(1);
  const msg = new Uint8Array(a.size).fill(0x61);
  const cpu0 = process.cpuUsage();
  // trySend until the peer's queue is full, then wait for the flush that empties it.
  for (let i = 0; i < a.count; ) {
    if (sock.trySend(msg)) i++;
    else await sock.writable();
  }
  const cpu = process.cpuUsage(cpu0);
  say(`sent ${JSON.stringify({ count: a.count, cpu_us: cpu.user + cpu.system })}`);
  await stayUp();
}

async function ourEcho(a: RoleArgs): Promise<void> {
  const sock = createSocket("ROUTER", { sendHighWaterMark: a.hwm, receiveHighWaterMark: a.hwm });
  say(`ready ${sock.bind(a.endpoint)}`);
  sock.onMessage((msg) => sock.trySend(msg));
  await stayUp();
}

async function ourPing(a: RoleArgs): Promise<void> {
  const sock = createSocket("DEALER", { sendHighWaterMark: a.hwm, receiveHighWaterMark: a.hwm });
  sock.connect(a.endpoint);
  say(`ready ${a.endpoint}`);
  await sock.waitForPeers(1);
  const msg = new Uint8Array(a.size).fill(0x61);
  const samples = new Float64Array(a.count);
  for (let i = -a.warmup; i < a.count; i++) {
    const t0 = process.hrtime.bigint();
    await sock.send(msg);
    await sock.receive();
    if (i >= 0) samples[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  samples.sort();
  say(`result ${JSON.stringify({ count: a.count, p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99) })}`);
  sock.close();
}

const ourRoles: Record<string, (a: RoleArgs) => Promise<void>> = { pull: ourPull, push: ourPush, echo: ourEcho, ping: ourPing };

// ---- orchestrator ----

type Impl = "ours" | "libzmq";
type Kind = "thr" | "rtt";
type Transport = "ipc" | "tcp";
type Opts = { count: number; samples: number; warmup: number; size: number; hwm: number; repeat: number; only: string; timeoutMs: number };

const children = new Set<Subprocess>();
let scratch: string | undefined;

function cleanUp(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

type Peer = { proc: Subprocess<"ignore", "pipe", "inherit">; next(prefix: string): Promise<string> };

function spawnPeer(impl: Impl, role: string, endpoint: string, count: number, o: Opts): Peer {
  const common = [
    "--role",
    role,
    "--endpoint",
    endpoint,
    "--count",
    String(count),
    "--size",
    String(o.size),
    "--hwm",
    String(o.hwm),
    "--warmup",
    String(o.warmup),
  ];
  const node = Bun.which("node");
  if (impl === "libzmq" && node === null) throw new Error("node is not on PATH; the libzmq side needs it");
  const cmd = impl === "ours" ? [process.execPath, import.meta.path, ...common] : [node as string, join(import.meta.dir, "zmq-peer.cjs"), ...common];
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  children.add(proc);
  const it = lines(proc.stdout);
  return {
    proc,
    async next(prefix: string): Promise<string> {
      for (;;) {
        const r = await it.next();
        if (r.done) throw new Error(`${impl} ${role} exited (code ${await proc.exited}) before printing "${prefix}"`);
        if (r.value.startsWith(prefix)) return r.value.slice(prefix.length).trim();
      }
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

let runId = 0;

/** One measurement: server end binds, client end connects, the timing end prints the result. */
async function measure(impl: Impl, kind: Kind, transport: Transport, o: Opts): Promise<Record<string, number>> {
  const endpoint = transport === "ipc" ? `ipc://${join(scratch as string, `${kind}-${impl}-${++runId}.sock`)}` : "tcp://127.0.0.1:*";
  const count = kind === "thr" ? o.count : o.samples;
  const server = spawnPeer(impl, kind === "thr" ? "pull" : "echo", endpoint, count, o);
  try {
    const bound = await withTimeout(server.next("ready"), o.timeoutMs, `${impl} server start`);
    const client = spawnPeer(impl, kind === "thr" ? "push" : "ping", bound, count, o);
    try {
      const timer = kind === "thr" ? server : client;
      const result = JSON.parse(await withTimeout(timer.next("result"), o.timeoutMs, `${impl} ${kind} ${transport}`)) as Record<string, number>;
      // A receiver that miscounts would report a fantasy rate: check every byte arrived.
      if (kind === "thr") {
        if (result.bytes !== count * o.size) throw new Error(`${impl} ${transport}: received ${result.bytes} bytes, expected ${count * o.size}`);
        // CPU per message barely moves when a neighbour steals the cores; msgs/s does.
        const sent = JSON.parse(await withTimeout(client.next("sent"), o.timeoutMs, `${impl} sender report`)) as Record<string, number>;
        result.send_us = (sent.cpu_us as number) / count;
        result.recv_us = (result.cpu_us as number) / count;
      }
      return result;
    } finally {
      client.proc.kill("SIGKILL");
      children.delete(client.proc);
    }
  } finally {
    server.proc.kill("SIGKILL");
    children.delete(server.proc);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

async function orchestrate(o: Opts): Promise<void> {
  scratch = mkdtempSync(join(tmpdir(), "aiperf-bench-bus-"));
  const cases: { name: string; kind: Kind; transport: Transport }[] = [
    { name: `push-pull ipc ${o.size}B`, kind: "thr", transport: "ipc" },
    { name: `push-pull tcp ${o.size}B`, kind: "thr", transport: "tcp" },
    { name: "rtt dealer-router ipc", kind: "rtt", transport: "ipc" },
    { name: "rtt dealer-router tcp", kind: "rtt", transport: "tcp" },
  ];
  for (const c of cases) {
    if (!c.name.includes(o.only)) continue;
    const runs: Record<Impl, Record<string, number>[]> = { ours: [], libzmq: [] };
    // Alternate the two sides so that a noisy neighbour hurts both alike.
    try {
      for (let r = 0; r < o.repeat; r++) {
        for (const impl of r % 2 === 0 ? (["ours", "libzmq"] as const) : (["libzmq", "ours"] as const)) {
          runs[impl].push(await measure(impl, c.kind, c.transport, o));
        }
      }
    } catch (error) {
      // One stuck case (a starved machine, a peer that died) should not cost the other cases.
      say(JSON.stringify({ case: c.name, error: (error as Error).message }));
      process.exitCode = 1;
      continue;
    }
    const pick = (impl: Impl, key: string): number => median(runs[impl].map((x) => x[key] as number));
    const all = (impl: Impl, key: string, digits: number): number[] => runs[impl].map((x) => round(x[key] as number, digits));
    if (c.kind === "thr") {
      const ours = pick("ours", "rate");
      const libzmq = pick("libzmq", "rate");
      say(
        JSON.stringify({
          case: c.name,
          unit: "msgs/s",
          ours: Math.round(ours),
          libzmq: Math.round(libzmq),
          ratio: round(ours / libzmq, 2),
          runs: o.repeat,
          ours_runs: all("ours", "rate", 0),
          libzmq_runs: all("libzmq", "rate", 0),
          ours_cpu_us_per_msg: { send: round(pick("ours", "send_us"), 3), recv: round(pick("ours", "recv_us"), 3) },
          libzmq_cpu_us_per_msg: { send: round(pick("libzmq", "send_us"), 3), recv: round(pick("libzmq", "recv_us"), 3) },
        }),
      );
    } else {
      const [op50, op99, lp50, lp99] = [pick("ours", "p50"), pick("ours", "p99"), pick("libzmq", "p50"), pick("libzmq", "p99")];
      say(
        JSON.stringify({
          case: c.name,
          unit: "us",
          ours_p50: round(op50),
          ours_p99: round(op99),
          libzmq_p50: round(lp50),
          libzmq_p99: round(lp99),
          ratio_p50: round(op50 / lp50, 2),
          ratio_p99: round(op99 / lp99, 2),
          samples: o.samples,
          runs: o.repeat,
          ours_p50_runs: all("ours", "p50", 1),
          libzmq_p50_runs: all("libzmq", "p50", 1),
        }),
      );
    }
  }
}

async function main(): Promise<void> {
  const role = arg("role", "");
  if (role !== "") {
    const run = ourRoles[role];
    if (run === undefined) throw new Error(`unknown --role "${role}" (pull, push, echo, ping)`);
    await run({
      endpoint: arg("endpoint", ""),
      count: Number(arg("count", "1000000")),
      size: Number(arg("size", "100")),
      hwm: Number(arg("hwm", "1000")),
      warmup: Number(arg("warmup", "1000")),
    });
    process.exit(0);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  process.on("exit", cleanUp);
  try {
    await orchestrate({
      count: Number(arg("count", "2000000")),
      samples: Number(arg("samples", "10000")),
      warmup: Number(arg("warmup", "1000")),
      size: Number(arg("size", "100")),
      hwm: Number(arg("hwm", "1000")),
      repeat: Number(arg("repeat", "3")),
      only: arg("only", ""),
      timeoutMs: Number(arg("timeout-ms", "60000")),
    });
  } finally {
    cleanUp();
  }
}

await main();
