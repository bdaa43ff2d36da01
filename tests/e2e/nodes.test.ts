/**
 * Worker nodes on other hosts (README "Running on several machines"), for real: the compiled
 * binary as controller in one network namespace, two nodes in two others, the mock server in a
 * fourth, all on a private /24 behind a bridge; real TCP between them. Shown: 2,000 streamed
 * requests each recorded exactly once from both nodes, metrics as a single-host run's, a node's
 * skewed clock corrected, a node with the wrong token refused, a node killed mid-run reported
 * (exit 4) with the records that arrived kept, a node that never comes named (exit 3).
 * Skipped (counted) when not root or without `ip`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNet, type Net, netnsUnavailable, netsOfThisProcess, sweepStaleNets } from "./netns.ts";
import { BINARY, ensureBinary } from "./support.ts";

setDefaultTimeout(240_000);

const why = netnsUnavailable();
if (why !== undefined) console.warn(`nodes e2e skipped: ${why}`);

type Proc = { proc: Bun.Subprocess<"ignore", "pipe", "pipe">; out: Promise<string>; err: Promise<string> };
const procs: Proc[] = [];
const dirs: string[] = [];
let net: Net | undefined;
const TOKEN = "e2e-cluster-token";
const PORT = 5661;
/** The mock's timing: replies take ~20 ms to the first token and 16 tokens 2 ms apart. */
const MOCK_FLAGS = ["--ttft", "20", "--itl", "2", "--osl", "16"];
/** Node 2's clock is this far ahead of everyone else's (core/clock.ts test setting). */
const SKEW_MS = 4000;
const DRIFT_PPM = 200;

function start(host: string, args: string[], env: Record<string, string> = {}): Proc {
  const proc = Bun.spawn([...(net as Net).exec(host), BINARY, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const p = { proc, out: new Response(proc.stdout).text(), err: new Response(proc.stderr).text() };
  procs.push(p);
  return p;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "aiperf-nodes-e2e-"));
  dirs.push(d);
  return d;
}

const addr = (host: string): string => (net as Net).addresses[host] as string;

function controller(dir: string, flags: string[], env: Record<string, string> = { AIPERF_CLUSTER_TOKEN: TOKEN }): Proc {
  return start(
    "ctl",
    [
      "profile",
      "-m",
      "mock-model",
      "-u",
      `http://${addr("mock")}:8000`,
      "--streaming",
      "--ui",
      "none",
      "--random-seed",
      "1",
      "--no-server-metrics",
      "--no-gpu-telemetry",
      "--artifact-dir",
      join(dir, "out"),
      ...flags,
    ],
    env,
  );
}

function node(host: string, env: Record<string, string> = {}, roles: string[] = ["--type", "node", "--workers", "2", "--record-processors", "1"]): Proc {
  return start(host, ["service", "--controller", `tcp://${addr("ctl")}:${PORT}`, ...roles], {
    AIPERF_CLUSTER_TOKEN: TOKEN,
    ...env,
  });
}

/** A controller waiting for one node for `seconds`. */
const oneNodeWithin = (seconds: number): string[] => [
  "--worker-nodes",
  "1",
  "--zmq-host",
  addr("ctl"),
  "--zmq-port",
  String(PORT),
  "--node-join-timeout",
  String(seconds),
];

type Row = {
  metadata: { x_request_id: string; session_num: number; worker_id: string; request_start_ns: number; request_end_ns: number; benchmark_phase: string };
  metrics: Record<string, { value: number }>;
};
const rows = (dir: string): Row[] =>
  readFileSync(join(dir, "out", "profile_export.jsonl"), "utf8")
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Row);
type Stat = { avg: number; p5: number; p50: number };
type Summary = Record<string, unknown> & {
  nodes?: {
    id: string;
    host: string;
    offset_ns: number;
    uncertainty_ns: number;
    last_offset_ns: number | null;
    credit_offset_ns: number | null;
    credit_uncertainty_ns: number | null;
    credit_samples: number;
    credit_corrections: number;
    workers: number;
    requests: number | null;
    lost: boolean;
  }[];
  start_time: string;
  end_time: string;
};
const summary = (dir: string): Summary => JSON.parse(readFileSync(join(dir, "out", "profile_export_aiperf.json"), "utf8")) as Summary;

async function stopAll(): Promise<void> {
  for (const p of procs) p.proc.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.proc.exited));
  // A process SIGKILLed (the lost node) cannot remove its run directory: named by its pid (core/run-dirs.ts).
  const pids = new Set(procs.map((p) => String(p.proc.pid)));
  for (const name of readdirSync(tmpdir())) {
    const m = /^aiperf-(?:run-)?(\d+)-/.exec(name);
    if (m !== null && pids.has(m[1] as string)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

describe("worker node usage errors: exit 2, one message naming the input", () => {
  beforeAll(() => ensureBinary());
  const cases: [string[], Record<string, string>, string][] = [
    [["service", "--type", "node"], {}, "--controller is required"],
    [["service", "--controller", "10.0.0.1"], {}, 'Invalid --controller: "10.0.0.1" is not tcp://HOST:PORT'],
    [
      ["service", "--type", "worker", "--controller", "tcp://127.0.0.1:9"],
      {},
      "--type worker needs --ipc-dir: the directory it shares with the --type record-processor",
    ],
    [["service", "--type", "timing", "--controller", "tcp://127.0.0.1:9"], {}, '"timing" is not a node role (node, worker, record-processor)'],
    [
      ["service", "--type", "record-processor", "--ipc-dir", "/tmp", "--workers", "2", "--controller", "tcp://127.0.0.1:9"],
      {},
      "--workers needs the worker role",
    ],
    [
      ["service", "--type", "worker", "--ipc-dir", join(tmpdir(), "d".repeat(70)), "--controller", "tcp://127.0.0.1:9"],
      { AIPERF_CLUSTER_TOKEN: "t" },
      "is too long: socket paths in it would pass the 107-byte limit",
    ],
    [["service", "--controller", "tcp://127.0.0.1:9"], { AIPERF_CLUSTER_TOKEN: "" }, "AIPERF_CLUSTER_TOKEN is not set"],
    [["service", "--controller", "tcp://127.0.0.1:9", "--workers", "0"], { AIPERF_CLUSTER_TOKEN: "t" }, "--workers"],
    [["profile", "-m", "m", "-u", "http://127.0.0.1:9", "--worker-nodes", "2"], {}, "--worker-nodes needs --zmq-host"],
    [["profile", "-m", "m", "-u", "http://127.0.0.1:9", "--worker-nodes", "2", "--zmq-host", "127.0.0.1", "--zmq-port", "65535"], {}, "--zmq-port"],
  ];
  for (const [args, env, message] of cases) {
    test(args.join(" "), async () => {
      const proc = Bun.spawn([BINARY, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", ...env } });
      const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      expect({ code, message: err.includes(message) ? message : err }).toEqual({ code: 2, message });
    });
  }
});

describe.skipIf(why !== undefined)("worker nodes in network namespaces", () => {
  beforeAll(async () => {
    sweepStaleNets();
    await ensureBinary();
    net = createNet(["ctl", "n1", "n2", "mock", "bad"], "10.231.77");
    const mock = start("mock", ["mock-server", "--host", "0.0.0.0", "--port", "8000", ...MOCK_FLAGS]);
    // The mock prints its URL once it listens; a controller in another namespace then reaches it.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const probe = Bun.spawnSync([...net.exec("ctl"), "bash", "-c", `exec 3<>/dev/tcp/${addr("mock")}/8000`]);
      if (probe.exitCode === 0) break;
      if (mock.proc.exitCode !== null) throw new Error(`the mock server ended: ${await mock.err}`);
      await Bun.sleep(200);
    }
  });

  afterAll(async () => {
    await stopAll();
    net?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    expect(netsOfThisProcess()).toEqual([]);
  });

  let twoNodes: string | undefined;

  test("2,000 streamed requests from two nodes: each recorded once, both nodes named, node 2's clock skew corrected, a wrong token refused", async () => {
    const dir = tempDir();
    const ctl = controller(dir, [
      "--request-count",
      "2000",
      "--concurrency",
      "16",
      "--worker-nodes",
      "2",
      "--zmq-host",
      addr("ctl"),
      "--zmq-port",
      String(PORT),
    ]);
    const bad = node("bad", { AIPERF_CLUSTER_TOKEN: "not-the-token" });
    expect(await bad.proc.exited).toBe(2);
    expect(await bad.err).toContain("refused this node: wrong or missing cluster token");
    const n1 = node("n1");
    // Node 2's host clock is 4 s ahead and runs fast by 0.2 ms a second: credits must keep it right.
    const n2 = node("n2", {
      AIPERF_TEST_CLOCK_SKEW_MS: String(SKEW_MS),
      AIPERF_TEST_CLOCK_DRIFT_PPM: String(DRIFT_PPM),
      AIPERF_TEST_CLOCK_DRIFT_FROM_MS: String(Date.now()),
    });
    const code = await ctl.proc.exited;
    const err = await ctl.err;
    expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
    expect(err).toContain(`Refused a node from ${addr("bad")}`);
    // The run over, the controller says bye: the nodes stop on their own, with code 0.
    expect(await n1.proc.exited).toBe(0);
    expect(await n2.proc.exited).toBe(0);

    const records = rows(dir);
    expect(records.length).toBe(2000);
    expect(new Set(records.map((r) => r.metadata.x_request_id)).size).toBe(2000);
    expect(new Set(records.map((r) => r.metadata.session_num)).size).toBe(2000);
    const byNode = (prefix: string) => records.filter((r) => r.metadata.worker_id.startsWith(`${prefix}/worker-`));
    const json = summary(dir);
    const nodes = json.nodes ?? [];
    expect(nodes.map((n) => n.host).sort()).toEqual([addr("n1"), addr("n2")].sort());
    const skewed = nodes.find((n) => n.host === addr("n2"));
    const plain = nodes.find((n) => n.host === addr("n1"));
    if (skewed === undefined || plain === undefined) throw new Error("nodes missing from the JSON");
    expect(byNode(skewed.id).length).toBeGreaterThan(0);
    expect(byNode(plain.id).length).toBeGreaterThan(0);
    expect(byNode(skewed.id).length + byNode(plain.id).length).toBe(2000);
    expect(nodes.map((n) => n.requests ?? 0).reduce((a, b) => a + b, 0)).toBe(2000);
    // The offset measured is the skew injected (same kernel clock underneath), within a few ms.
    expect(Math.abs(skewed.offset_ns / 1e6 - SKEW_MS)).toBeLessThan(50);
    expect(Math.abs(plain.offset_ns / 1e6)).toBeLessThan(50);
    expect(skewed.uncertainty_ns).toBeGreaterThan(0);
    // Measured again while the run went on (every 5 s): the skew plus what drifted since.
    expect(Math.abs((skewed.last_offset_ns ?? 0) / 1e6 - SKEW_MS)).toBeLessThan(50);
    // Checked from the credits all along: both nodes measured from many round trips; node 2's
    // drift corrected from them while the run went on, leaving at most the drift of one check (2 s).
    for (const n of [plain, skewed]) {
      expect(n.credit_samples).toBeGreaterThan(100);
      expect(n.credit_uncertainty_ns).toBeGreaterThan(0);
      expect(Math.abs(n.credit_offset_ns ?? Number.POSITIVE_INFINITY)).toBeLessThan((n.credit_uncertainty_ns ?? 0) + DRIFT_PPM * 2000 * 2);
    }
    expect(skewed.credit_corrections).toBeGreaterThan(0);
    // Corrected: node 2's records lie inside the controller's profiling window, and its send lag
    // (controller's intended time → node's send) is not the 4 s skew.
    const startNs = Date.parse(json.start_time) * 1e6;
    const endNs = Date.parse(json.end_time) * 1e6;
    for (const r of byNode(skewed.id)) {
      expect(r.metadata.request_start_ns).toBeGreaterThan(startNs - 1e9);
      expect(r.metadata.request_end_ns).toBeLessThan(endNs + 1e9);
      expect(Math.abs(r.metrics.send_lag?.value ?? 0)).toBeLessThan(1000);
    }
    twoNodes = dir;
  });

  test("the same load on one host gives the same metrics, within noise", async () => {
    if (twoNodes === undefined) throw new Error("needs the two-node run");
    const dir = tempDir();
    const ctl = controller(dir, ["--request-count", "2000", "--concurrency", "16", "--workers-max", "4"]);
    expect(await ctl.proc.exited).toBe(0);
    const one = summary(dir);
    const two = summary(twoNodes);
    // The mock sets the times (20 ms to the first token, then 16 tokens 2 ms apart). A loaded
    // 2-core box adds its own delays, in spikes: the low percentiles show the setup's own cost
    // (tight), the medians how the load was carried (a factor of two is this box's noise).
    for (const metric of ["request_latency", "time_to_first_token", "inter_token_latency"]) {
      const a = one[metric] as Stat;
      const b = two[metric] as Stat;
      const near = (x: number, y: number, ratio: number, ms: number): boolean => Math.abs(x - y) <= ratio * Math.max(x, y) + ms;
      const seen = { metric, p5: [a.p5, b.p5], p50: [a.p50, b.p50] };
      expect({ ...seen, close: near(a.p5, b.p5, 0.3, 3) && near(a.p50, b.p50, 0.5, 10) }).toEqual({ ...seen, close: true });
    }
    expect((one.output_sequence_length as Stat).avg).toBe((two.output_sequence_length as Stat).avg);
    expect((one.request_count as Stat).avg).toBe((two.request_count as Stat).avg);
  });

  test("a node killed mid-run: the run stops, exit 4, names the node and its requests in flight, keeps what arrived", async () => {
    const dir = tempDir();
    const ctl = controller(dir, [
      "--request-count",
      "200000",
      "--concurrency",
      "16",
      "--worker-nodes",
      "2",
      "--zmq-host",
      addr("ctl"),
      "--zmq-port",
      String(PORT),
    ]);
    const n1 = node("n1");
    const n2 = node("n2");
    // Wait until requests flow (the mock's log would do too; the controller's own log file is simplest).
    const log = join(dir, "out", "logs", "aiperf.log");
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !(existsSync(log) && readFileSync(log, "utf8").includes("Phase profiling started"))) await Bun.sleep(200);
    await Bun.sleep(1500);
    // The nodes' workers and record processors keep freed pages, as the controller's own do (runtime/allocator-env.ts).
    const nodeServices = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .flatMap((pid) => {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, "latin1");
          return cmd.includes("__service") && cmd.includes('"id":"node-') ? [readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")] : [];
        } catch {
          return [];
        }
      });
    expect(nodeServices.length).toBe(6);
    for (const env of nodeServices) expect(env).toContain("MIMALLOC_PURGE_DELAY=-1");
    n2.proc.kill("SIGKILL");
    const code = await ctl.proc.exited;
    const err = await ctl.err;
    expect({ code, tail: code === 4 ? "" : err.slice(-3000) }).toEqual({ code: 4, tail: "" });
    expect(err).toMatch(
      new RegExp(
        `Worker node node-\\d \\(${addr("n2").replaceAll(".", "\\.")}, [^)]*\\) was lost: its connection closed .*, with \\d+ request\\(s\\) in flight on it`,
      ),
    );
    expect(await n1.proc.exited).toBe(0);
    const records = rows(dir);
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => r.metadata.x_request_id)).size).toBe(records.length);
    const json = summary(dir);
    expect(json.was_cancelled).toBe(true);
    const lost = json.nodes?.find((n) => n.host === addr("n2"));
    expect(lost?.lost).toBe(true);
    // What node 2 finished before it died arrived and is kept.
    expect(records.some((r) => r.metadata.worker_id.startsWith(`${lost?.id}/`))).toBe(true);
  });

  test("a node split in two (--type worker and --type record-processor sharing --ipc-dir) is one node beside a whole one", async () => {
    const dir = tempDir();
    const ipc = join(dir, "pod-ipc");
    const ctl = controller(dir, ["--request-count", "300", "--concurrency", "8", "--worker-nodes", "2", "--zmq-host", addr("ctl"), "--zmq-port", String(PORT)]);
    const workers = node("n1", {}, ["--type", "worker", "--workers", "2", "--ipc-dir", ipc]);
    const processors = node("n1", {}, ["--type", "record-processor", "--record-processors", "1", "--ipc-dir", ipc]);
    const whole = node("n2");
    const code = await ctl.proc.exited;
    const err = await ctl.err;
    expect({ code, err: code === 0 ? "" : err.slice(-3000) }).toEqual({ code: 0, err: "" });
    for (const p of [workers, processors, whole]) expect(await p.proc.exited).toBe(0);
    // One "ready" line per node, the split one naming its two agents.
    expect((err.match(/Node node-\d+ is ready/g) ?? []).length).toBe(2);
    expect(err).toMatch(/Node node-\d+ is ready \(2 agents\)/);
    const records = rows(dir);
    expect(records.length).toBe(300);
    expect(new Set(records.map((r) => r.metadata.x_request_id)).size).toBe(300);
    const nodes = summary(dir).nodes ?? [];
    const split = nodes.find((n) => n.host === addr("n1"));
    expect(nodes.length).toBe(2);
    expect({ workers: split?.workers, record_processors: (split as { record_processors?: number } | undefined)?.record_processors }).toEqual({
      workers: 2,
      record_processors: 1,
    });
    expect(records.filter((r) => r.metadata.worker_id.startsWith(`${split?.id}/worker-`)).length).toBeGreaterThan(0);
    expect((split?.requests ?? 0) + (nodes.find((n) => n !== split)?.requests ?? 0)).toBe(300);
  });

  test("--local-workers beside a node: the controller's own workers' replies are parsed by records (no local record processor), the node's by its own; each recorded once", async () => {
    const dir = tempDir();
    const ctl = controller(dir, ["--request-count", "300", "--concurrency", "8", "--workers-max", "1", "--local-workers", ...oneNodeWithin(60)]);
    const n1 = node("n1");
    const code = await ctl.proc.exited;
    const err = await ctl.err;
    expect({ code, err: code === 0 ? "" : err.slice(-3000) }).toEqual({ code: 0, err: "" });
    expect(await n1.proc.exited).toBe(0);
    const records = rows(dir) as (Row & { metadata: { record_processor_id: string } })[];
    expect(records.length).toBe(300);
    expect(new Set(records.map((r) => r.metadata.x_request_id)).size).toBe(300);
    const local = records.filter((r) => r.metadata.worker_id === "worker:0");
    const remote = records.filter((r) => r.metadata.worker_id.startsWith("node-"));
    expect(local.length).toBeGreaterThan(0);
    expect(remote.length).toBeGreaterThan(0);
    expect(local.length + remote.length).toBe(300);
    expect([...new Set(local.map((r) => r.metadata.record_processor_id))]).toEqual(["records:0"]);
    expect(remote.filter((r) => r.metadata.record_processor_id === "records:0")).toEqual([]);
    const log = readFileSync(join(dir, "out", "logs", "aiperf.log"), "utf8");
    expect(log).toContain("Processes: 1 workers, records (which parses the replies) (each a child process)");
  });

  test("half a node is not a node: exit 3 saying which role to start beside it", async () => {
    const dir = tempDir();
    const ipc = join(dir, "pod-ipc");
    const ctl = controller(dir, ["--request-count", "10", ...oneNodeWithin(8)]);
    const workers = node("n1", {}, ["--type", "worker", "--workers", "1", "--ipc-dir", ipc]);
    expect(await ctl.proc.exited).toBe(3);
    expect(await ctl.err).toContain(`(no record processor: start aiperf service --type record-processor --ipc-dir ${ipc} beside it)`);
    // The controller says bye as it gives up: the half node stops on its own.
    expect(await workers.proc.exited).toBe(0);
  });

  test("a node that never joins: exit 3 naming what is missing", async () => {
    const dir = tempDir();
    const ctl = controller(dir, ["--request-count", "10", ...oneNodeWithin(3)]);
    expect(await ctl.proc.exited).toBe(3);
    const err = await ctl.err;
    expect(err).toContain("0 of 1 worker node(s) ready within 3 s; none joined; 1 never joined");
    expect(err).toContain(`aiperf service --type node --controller tcp://${addr("ctl")}:${PORT}`);
  });
});
