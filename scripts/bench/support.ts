/**
 * Shared by the pipeline benchmarks (client-overhead, accuracy, schedule): flags, percentiles,
 * CPU accounting, the mock server in its own process, a dataset file, and the product's services
 * started as child processes exactly as `aiperf profile` starts them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { type BusSocket, createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../../src/config/resolve.ts";
import { processLauncher } from "../../src/controller/launchers.ts";
import { profileServices } from "../../src/controller/profile.ts";
import { type ServiceRequest, Supervisor } from "../../src/controller/supervisor.ts";
import { createControllerLogger } from "../../src/core/log.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import type { RawRecord } from "../../src/protocol/pipeline.ts";
import { decodeRawBatch } from "../../src/protocol/raw-batch.ts";
import { decodeRecordBatch } from "../../src/protocol/record-batch.ts";
import type { TimingPlanInput, TimingResult } from "../../src/protocol/timing-plan.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { requestBody } from "../../src/services/dataset/request-body.ts";

export const ROOT = join(import.meta.dir, "..", "..");
export const MODEL = "mock-model";

export function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return (at >= 0 ? process.argv[at + 1] : undefined) ?? fallback;
}

export function numArg(name: string, fallback: number): number {
  const n = Number(arg(name, String(fallback)));
  if (!Number.isFinite(n)) throw new Error(`--${name} needs a number`);
  return n;
}

export function listArg(name: string, fallback: number[]): number[] {
  return arg(name, fallback.join(","))
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isFinite(n));
}

export function say(value: unknown): void {
  process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
}

export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** numpy "linear" percentile of sorted values. */
export function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

/** n, mean, p1, p50, p90, p99, max of the values, rounded to `digits`. */
export function summary(values: ArrayLike<number>, digits = 1): { n: number; mean: number; p1: number; p50: number; p90: number; p99: number; max: number } {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of s) sum += v;
  const r = (x: number): number => round(x, digits);
  return {
    n: s.length,
    mean: r(sum / s.length),
    p1: r(pct(s, 1)),
    p50: r(pct(s, 50)),
    p90: r(pct(s, 90)),
    p99: r(pct(s, 99)),
    max: r(s[s.length - 1] ?? Number.NaN),
  };
}

/** utime + stime of one live process, in seconds (10 ms ticks). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Requests the mock server has finished so far (its Prometheus counter). */
export async function serverFinished(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith("aiperf_mock_requests_total{")) n += Number(line.slice(line.lastIndexOf(" ") + 1));
  return n;
}

/** `by_role_ms_per_request`: CPU ms per request of each role (controller, worker, ...) over the window. */
export type Window = { cpu_s: number; requests: number; seconds: number; by_role_ms_per_request?: Record<string, number> };

/** CPU seconds of `root` and its live descendants, summed by role (a service's role from its command line). */
export function treeCpuByRole(root: number): Map<string, number> {
  const out = new Map<string, number>();
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(name), Number(fields[1]));
      cpu.set(Number(name), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // gone meanwhile
    }
  }
  for (const [pid, seconds] of cpu) {
    let p: number | undefined = pid;
    while (p !== undefined && p !== root && p > 1) p = parents.get(p);
    if (p !== root) continue;
    let role = "controller";
    if (pid !== root) {
      try {
        role = /"role":"([^"]+)"/.exec(readFileSync(`/proc/${pid}/cmdline`, "utf8"))?.[1] ?? "other";
      } catch {
        continue;
      }
    }
    let own = seconds;
    // Roles hosted as threads (timing, dataset, collectors): each thread is named after its service.
    for (const [threadRole, threadSeconds] of serviceThreadCpu(pid)) {
      out.set(threadRole, (out.get(threadRole) ?? 0) + threadSeconds);
      own -= threadSeconds;
    }
    out.set(role, (out.get(role) ?? 0) + own);
  }
  return out;
}

/** CPU seconds of the threads of `pid` that run a service (named "<role>:<id>", cut to 15 bytes by the kernel). */
function serviceThreadCpu(pid: number): [string, number][] {
  const found: [string, number][] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tids) {
    try {
      const role = /^([a-z-]+):/.exec(readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8"))?.[1];
      if (role === undefined) continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      found.push([role, (Number(fields[11]) + Number(fields[12])) / 100]);
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * CPU of a process tree over the steady part of a run: snapshots when the server has finished
 * `from` and `to` (fractions) of `total` requests counted from `base`, so start-up and the final
 * export are left out. Resolves null if the run ends before the second snapshot.
 */
export async function steadyWindow(
  root: number,
  url: string,
  base: number,
  total: number,
  exited: Promise<unknown>,
  from = 0.1,
  to = 0.9,
): Promise<Window | null> {
  let done = false;
  void exited.then(() => (done = true));
  let first: { cpu: number; roles: Map<string, number>; n: number; t: number } | undefined;
  while (!done) {
    const n = (await serverFinished(url)) - base;
    if (first === undefined && n >= from * total) {
      const roles = treeCpuByRole(root);
      first = { cpu: sum(roles), roles, n, t: performance.now() };
    } else if (first !== undefined && n >= to * total) {
      // One /proc scan per snapshot: the tree's CPU is the sum of its roles'.
      const roles = treeCpuByRole(root);
      const requests = n - first.n;
      const byRole: Record<string, number> = {};
      for (const [role, seconds] of roles) byRole[role] = round(((seconds - (first.roles.get(role) ?? 0)) * 1000) / requests, 3);
      return { cpu_s: sum(roles) - first.cpu, requests, seconds: (performance.now() - first.t) / 1000, by_role_ms_per_request: byRole };
    }
    await Bun.sleep(25);
  }
  return null;
}

/** Service children whose controller went away without reaping them (their CPU would be missed). */
export function orphanedServices(): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === 1 && readFileSync(`/proc/${name}/cmdline`, "utf8").includes("__service")) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function uptimeLoad(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

/** Reads a child's stdout line by line. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
    }
  }
}

export type ServerProcess = { url: string; pid: number; proc: Subprocess; stop(): Promise<void> };

export type ServerFlags = { ttft: number; itl: number; osl: number; recordWrites?: boolean };

/** The mock server in its own process (mock-server-child.ts), so its CPU is never counted as ours. */
export async function startServerProcess(flags: ServerFlags): Promise<ServerProcess> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "mock-server-child.ts"), JSON.stringify(flags)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const it = lines(proc.stdout);
  const first = await it.next();
  const url = first.done === true ? undefined : /^ready (\S+)/.exec(first.value)?.[1];
  if (url === undefined) {
    proc.kill("SIGKILL");
    throw new Error(`the mock server child did not start (exit ${await proc.exited})`);
  }
  void (async () => {
    for await (const _ of it) {
      // drain
    }
  })();
  return {
    url,
    pid: proc.pid,
    proc,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** A prompt of about `words` whitespace-separated words (the mock counts ~1 token per word). */
export function prompt(words: number, seed = 1): string {
  const vocab = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november"];
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(vocab[x % vocab.length] as string);
  }
  return out.join(" ");
}

/** The request body the product sends for a streaming chat turn (services/dataset/request-body.ts). */
export function chatBody(isl: number, osl: number, seed = 1): Uint8Array {
  const body = requestBody({ model: MODEL, texts: [prompt(isl, seed)], maxTokens: osl }, { endpointType: "chat", streaming: true, extraInputs: [] });
  return new TextEncoder().encode(JSON.stringify(body));
}

/** dataset.bin with `conversations` single-turn streaming chat requests, as the dataset service writes it. */
export function writeChatDataset(path: string, conversations: number, isl: number, osl: number): void {
  writeDatasetFile(
    path,
    Array.from({ length: conversations }, (_, i) => ({ id: `c${i}`, turns: [{ body: chatBody(isl, osl, i + 1), inputTokens: isl }] })),
  );
}

/** A Supervisor that starts the product's roles as child processes (`bun src/main.ts __service …`). */
export function supervisor(command?: string[]): Supervisor {
  const log = createControllerLogger("warn");
  return new Supervisor({ launcher: processLauncher(command), log, logLevel: "warn", registrationTimeoutMs: 30_000 });
}

/**
 * The services `aiperf profile` would start for these flags (controller/profile.ts), with the same
 * per-worker environment (Bun's fetch cap), keeping only `roles`; and the resolved config.
 */
export function productServices(flags: string[], roles: string[]): { services: ServiceRequest[]; cfg: ResolvedProfile } {
  const { input } = readProfileArgs(["-m", MODEL, "-u", "http://127.0.0.1:1", "--ui", "none", ...flags]);
  const cfg = resolveProfile(parseProfileConfig(input), "aiperf profile (bench)", false, () => {});
  return { services: profileServices(cfg).filter((s) => roles.includes(s.role)), cfg };
}

export type Harness = {
  /** Parsed records as the records service would receive them. */
  records: RequestRecord[];
  /** Runs one timing plan (the product's timing service) and waits until every record is in. */
  run(plan: Omit<TimingPlanInput, "workers" | "conversations">, expected: number): Promise<TimingResult>;
  stop(): Promise<void>;
};

export type HarnessOptions = {
  /** `aiperf profile` flags that decide worker count and per-worker env (see productServices). */
  profileFlags: string[];
  url: string;
  datasetPath: string;
  conversations: number;
  scratch: string;
  /** Set: workers push raw captures to this process, which sees them and forwards them, unchanged, to the record processor. */
  onRaw?: (records: RawRecord[]) => void;
  /** The services' program (e.g. a compiled binary: `[path]`); default this source tree under Bun. */
  command?: string[];
};

/**
 * The profile data path with the product's own services as child processes: timing → worker(s) →
 * record processor(s), wired as controller/profile.ts wires them. This process stands in for the
 * controller and the records service (it collects the parsed records); dataset.bin is written here.
 */
export async function startHarness(o: HarnessOptions): Promise<Harness> {
  setBusLogger({ warn: () => {}, debug: () => {} });
  // This process stands in for records, so the replies need a record processor to parse them (the
  // product's default, records parsing them itself, has none).
  const flags = o.profileFlags.includes("--record-processors") ? o.profileFlags : [...o.profileFlags, "--record-processors", "1"];
  const { services, cfg } = productServices(flags, ["timing", "worker", "record-processor"]);
  const sup = supervisor(o.command);
  const records: RequestRecord[] = [];
  const recordsPull = createSocket("PULL", { name: "bench records" });
  const recordsEndpoint = recordsPull.bind(`ipc://${join(o.scratch, "records.ipc")}`);
  recordsPull.onMessage((msg: Message) => {
    for (const r of decodeRecordBatch(msg).records) records.push(r);
  });
  const sockets: BusSocket[] = [recordsPull];
  try {
    await sup.start(services);
    const workers = services.filter((s) => s.role === "worker").map((s) => `worker:${s.id}` as const);
    const processors = services.filter((s) => s.role === "record-processor").map((s) => `record-processor:${s.id}` as const);
    let processorEndpoints = await Promise.all(processors.map((p) => sup.command(p, "bind").then((r) => r.endpoint)));
    await Promise.all(
      processors.map((p) =>
        sup.command(
          p,
          "configure",
          { recordsEndpoint, datasetPath: o.datasetPath, endpointType: "chat", streaming: true, tokenizer: "builtin", model: MODEL },
          600_000,
        ),
      ),
    );
    const onRaw = o.onRaw;
    if (onRaw !== undefined) {
      const tap = createSocket("PULL", { name: "bench raw tap" });
      const forward = createSocket("PUSH", { name: "bench raw forward" });
      sockets.push(tap, forward);
      for (const ep of processorEndpoints) forward.connect(ep);
      await forward.waitForPeers(processorEndpoints.length, 30_000);
      processorEndpoints = [tap.bind(`ipc://${join(o.scratch, "raw-tap.ipc")}`)];
      tap.onMessage((msg: Message) => {
        onRaw(decodeRawBatch(msg).map((item) => item.record));
        if (!forward.trySend(msg)) void forward.send(msg.map((f) => f.slice()));
      });
    }
    const { endpoint: creditsEndpoint } = await sup.command("timing:0", "bind");
    await Promise.all(
      workers.map((w) =>
        sup.command(w, "configure", {
          creditsEndpoint,
          processorEndpoints,
          datasetPath: o.datasetPath,
          urls: [o.url],
          endpointPath: "/v1/chat/completions",
          streaming: true,
          headers: [],
          requestTimeoutSeconds: cfg.requestTimeoutSeconds,
        }),
      ),
    );
    return {
      records,
      async run(plan, expected) {
        const result = await sup.command("timing:0", "run", { ...plan, workers, conversations: o.conversations }, 2_000_000_000);
        const until = Date.now() + 30_000;
        while (records.length < expected && Date.now() < until) await Bun.sleep(20);
        if (records.length < expected) throw new Error(`only ${records.length} of ${expected} records arrived`);
        return result;
      },
      async stop() {
        await sup.shutdown("bench over");
        for (const s of sockets) s.close();
      },
    };
  } catch (error) {
    await sup.shutdown("bench failed");
    for (const s of sockets) s.close();
    throw error;
  }
}

/** `root` and its descendants, each with its service role ("controller" for the root, "other" when none). */
export function processTreeRoles(root: number): Map<number, string> {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, string>();
  for (const pid of parents.keys()) {
    let p: number | undefined = pid;
    while (p !== undefined && p !== root && p > 1) p = parents.get(p);
    if (p !== root) continue;
    try {
      out.set(pid, pid === root ? "controller" : (/"role":"([^"]+)"/.exec(readFileSync(`/proc/${pid}/cmdline`, "utf8"))?.[1] ?? "other"));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
