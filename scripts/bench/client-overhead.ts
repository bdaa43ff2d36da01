/**
 * Client CPU cost: our whole `aiperf profile` pipeline against a bare Bun fetch loop that only
 * reads the streamed bodies, on the same mock server under the same closed-loop load.
 *
 *   bun scripts/bench/client-overhead.ts [--requests 4000] [--small 200] [--concurrency 16]
 *        [--osl 50] [--isl 64] [--itl 1] [--ttft 0] [--binary dist/aiperf] [--before PATH]
 *
 * Method. The mock server runs in its own process (mock-server-child.ts; ttft 0, one token per
 * --itl ms, so every token is its own write: 50 writes per request), and neither side's figure
 * includes its CPU (it is printed apart, read from /proc). Each side is a child of this script:
 *  - pipeline: `bun src/main.ts profile --streaming --concurrency C --request-count N ...` (or the
 *    compiled --binary). Its CPU is the wait4() rusage of the controller, which on Linux includes
 *    every descendant it reaped: dataset, timing, records, record-processor and worker services.
 *    An orphaned service (not reaped, so not counted) would be reported as an error.
 *  - pipeline-raw: the same pipeline with `--transport raw` (HTTP/1.1 on Bun.connect sockets).
 *  - pipeline-before (with --before PATH): the pipeline run by another build (say, main's), fetch.
 *  - bare: this file with --role bare: C async loops of fetch() + reader.read() until done, the
 *    same request body the product sends. Its CPU is its own wait4() rusage.
 * Totals ("cpu_s", wait4 rusage after exit) include start-up and shutdown.
 * Two ways to leave out process start-up (the pipeline starts one Bun process per service and loads the
 * tokenizer, ~2 CPU s), both printed, with their ratios pipeline / bare in a "summary" line:
 *  - steady: during the --requests run, the CPU of the whole process tree (every descendant's
 *    utime+stime from /proc) between the moments the server has finished 10% and 90% of the
 *    requests (its /metrics counter), divided by the requests finished in between. Leaves out the
 *    final records processing and export too.
 *  - marginal: each side also runs --small requests; (CPU(N) − CPU(small)) / (N − small). Includes
 *    the end-of-run export (which grows with N); noisier, since it differences two whole runs.
 * The sides rotate order between the two sizes so drift in the machine's load hits all alike.
 * Output: one JSON line per run, then the summary line.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  arg,
  chatBody,
  numArg,
  orphanedServices,
  procCpuSeconds,
  ROOT,
  round,
  type ServerProcess,
  say,
  serverFinished,
  startServerProcess,
  steadyWindow,
  uptimeLoad,
  type Window,
} from "./support.ts";

type Side = "pipeline" | "pipeline-raw" | "pipeline-before" | "bare";
type RunResult = {
  side: Side;
  requests: number;
  cpu_s: number;
  wall_s: number;
  server_cpu_s: number;
  ok: number;
  steady: Window | null;
  extra: Record<string, number | string>;
};

// ---- the bare loop (child) ----

async function bareLoop(): Promise<void> {
  const url = arg("url", "");
  const total = numArg("requests", 100);
  const concurrency = numArg("concurrency", 16);
  const body = chatBody(numArg("isl", 64), numArg("osl", 50));
  let started = 0;
  let ok = 0;
  let reads = 0;
  let bytes = 0;
  const loop = async (): Promise<void> => {
    while (started < total) {
      started++;
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        reads++;
        bytes += value.byteLength;
      }
      if (res.status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  say(`result ${JSON.stringify({ ok, reads, bytes })}`);
}

// ---- orchestrator ----

async function runBare(server: ServerProcess, requests: number, o: Opts): Promise<RunResult> {
  const cpu0 = procCpuSeconds(server.pid);
  const base = await serverFinished(server.url);
  const t0 = performance.now();
  const proc = Bun.spawn(
    [
      process.execPath,
      import.meta.path,
      "--role",
      "bare",
      "--url",
      `${server.url}/v1/chat/completions`,
      "--requests",
      String(requests),
      "--concurrency",
      String(o.concurrency),
      "--isl",
      String(o.isl),
      "--osl",
      String(o.osl),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const [out, steady] = await Promise.all([new Response(proc.stdout).text(), steadyWindow(proc.pid, server.url, base, requests, proc.exited)]);
  const code = await proc.exited;
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`bare loop exited with ${code}`);
  const result = JSON.parse(/result (.*)/.exec(out)?.[1] ?? "{}") as { ok: number; reads: number; bytes: number };
  const cpu = Number(proc.resourceUsage()?.cpuTime.total ?? Number.NaN) / 1e6;
  return {
    side: "bare",
    requests,
    cpu_s: cpu,
    wall_s: wall,
    server_cpu_s: procCpuSeconds(server.pid) - cpu0,
    ok: result.ok,
    steady,
    extra: { reads_per_request: round(result.reads / requests, 1) },
  };
}

async function runPipeline(server: ServerProcess, requests: number, o: Opts, side: Exclude<Side, "bare">): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-overhead-"));
  try {
    const binary = side === "pipeline-before" ? o.before : o.binary;
    const command = binary === "" ? [process.execPath, join(ROOT, "src", "main.ts")] : [binary];
    const flags = [
      "profile",
      "-m",
      "mock-model",
      "-u",
      server.url,
      "--endpoint-type",
      "chat",
      "--streaming",
      "--concurrency",
      String(o.concurrency),
      "--request-count",
      String(requests),
      "--isl",
      String(o.isl),
      "--osl",
      String(o.osl),
      "--ui",
      "none",
      "--random-seed",
      "1",
      "--artifact-dir",
      join(dir, "out"),
      "--transport",
      side === "pipeline-raw" ? "raw" : "fetch",
    ];
    const cpu0 = procCpuSeconds(server.pid);
    const base = await serverFinished(server.url);
    const t0 = performance.now();
    const proc = Bun.spawn([...command, ...flags], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const [, err, steady] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      steadyWindow(proc.pid, server.url, base, requests, proc.exited),
    ]);
    const code = await proc.exited;
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = procCpuSeconds(server.pid) - cpu0;
    if (code !== 0) throw new Error(`aiperf profile exited with ${code}: ${err.slice(-2000)}`);
    const orphans = orphanedServices();
    if (orphans.length > 0) throw new Error(`services left running after the controller exited (their CPU is not counted): ${orphans.join(", ")}`);
    const cpu = Number(proc.resourceUsage()?.cpuTime.total ?? Number.NaN) / 1e6;
    const json = JSON.parse(readFileSync(join(dir, "out", "profile_export_aiperf.json"), "utf8")) as Record<string, { avg?: number } | undefined>;
    return {
      side,
      requests,
      cpu_s: cpu,
      wall_s: wall,
      server_cpu_s: serverCpu,
      ok: json.request_count?.avg ?? 0,
      steady,
      extra: { osl_avg: json.output_sequence_length?.avg ?? Number.NaN, mode: o.binary === "" ? "source" : "binary" },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Opts = { requests: number; small: number; concurrency: number; osl: number; isl: number; itl: number; ttft: number; binary: string; before: string };

function report(r: RunResult, o: Opts): void {
  say({
    bench: "client-overhead",
    side: r.side,
    requests: r.requests,
    concurrency: o.concurrency,
    ok: r.ok,
    cpu_s: round(r.cpu_s, 3),
    cpu_s_per_1000_incl_startup: round((r.cpu_s / r.requests) * 1000, 3),
    wall_s: round(r.wall_s, 2),
    rps_incl_startup: round(r.requests / r.wall_s, 0),
    server_cpu_s: round(r.server_cpu_s, 2),
    steady_cpu_s_per_1000: r.steady === null ? null : round((r.steady.cpu_s / r.steady.requests) * 1000, 3),
    steady_rps: r.steady === null ? null : round(r.steady.requests / r.steady.seconds, 0),
    ...(r.steady?.by_role_ms_per_request === undefined || r.side === "bare" ? {} : { steady_ms_per_request_by_role: r.steady.by_role_ms_per_request }),
    ...r.extra,
  });
}

async function main(): Promise<void> {
  const o: Opts = {
    requests: numArg("requests", 4000),
    small: numArg("small", 200),
    concurrency: numArg("concurrency", 16),
    osl: numArg("osl", 50),
    isl: numArg("isl", 64),
    itl: numArg("itl", 1),
    ttft: numArg("ttft", 0),
    binary: arg("binary", ""),
    before: arg("before", ""),
  };
  // The sides run in a temporary directory: a relative path is taken from where the script was started.
  if (o.binary !== "") o.binary = resolve(o.binary);
  if (o.before !== "") o.before = resolve(o.before);
  say({
    bench: "client-overhead",
    loadavg: uptimeLoad(),
    cores: navigator.hardwareConcurrency,
    server: { ttft_ms: o.ttft, itl_ms: o.itl, osl: o.osl },
    isl: o.isl,
  });
  const server = await startServerProcess({ ttft: o.ttft, itl: o.itl, osl: o.osl });
  try {
    // Warm the server (JIT) so the first measured side does not pay for it.
    await runBare(server, Math.min(200, o.small), o);
    const runs: RunResult[] = [];
    const sides: Side[] = ["bare", "pipeline", "pipeline-raw", ...(o.before === "" ? [] : (["pipeline-before"] as Side[]))];
    const order: Side[][] = [sides, [...sides].reverse()];
    for (const [i, n] of [o.small, o.requests].entries()) {
      for (const side of order[i % 2] as Side[]) {
        const r = side === "bare" ? await runBare(server, n, o) : await runPipeline(server, n, o, side);
        if (r.ok !== n) throw new Error(`${side}: ${r.ok} of ${n} requests succeeded`);
        report(r, o);
        runs.push(r);
      }
    }
    const marginal = (side: Side): number => {
      const small = runs.find((r) => r.side === side && r.requests === o.small) as RunResult;
      const large = runs.find((r) => r.side === side && r.requests === o.requests) as RunResult;
      return ((large.cpu_s - small.cpu_s) / (large.requests - small.requests)) * 1000;
    };
    const startup = (side: Side): number => {
      const small = runs.find((r) => r.side === side && r.requests === o.small) as RunResult;
      return small.cpu_s - (marginal(side) * small.requests) / 1000;
    };
    const steady = (side: Side): number => {
      const w = runs.find((r) => r.side === side && r.requests === o.requests)?.steady;
      return w === null || w === undefined ? Number.NaN : (w.cpu_s / w.requests) * 1000;
    };
    const [bare, pipeline, raw] = [marginal("bare"), marginal("pipeline"), marginal("pipeline-raw")];
    say({
      bench: "client-overhead",
      side: "summary",
      concurrency: o.concurrency,
      chunks_per_request: o.osl,
      steady_bare_cpu_s_per_1000: round(steady("bare"), 3),
      steady_pipeline_cpu_s_per_1000: round(steady("pipeline"), 3),
      steady_pipeline_raw_cpu_s_per_1000: round(steady("pipeline-raw"), 3),
      steady_ratio: round(steady("pipeline") / steady("bare"), 2),
      steady_raw_ratio: round(steady("pipeline-raw") / steady("bare"), 2),
      marginal_bare_cpu_s_per_1000: round(bare, 3),
      marginal_pipeline_cpu_s_per_1000: round(pipeline, 3),
      marginal_pipeline_raw_cpu_s_per_1000: round(raw, 3),
      marginal_ratio: round(pipeline / bare, 2),
      marginal_raw_ratio: round(raw / bare, 2),
      pipeline_startup_cpu_s: round(startup("pipeline"), 2),
      pipeline_raw_startup_cpu_s: round(startup("pipeline-raw"), 2),
      ...(o.before === ""
        ? {}
        : {
            steady_before_cpu_s_per_1000: round(steady("pipeline-before"), 3),
            steady_ratio_to_before: round(steady("pipeline") / steady("pipeline-before"), 2),
            before_startup_cpu_s: round(startup("pipeline-before"), 2),
          }),
      bare_startup_cpu_s: round(startup("bare"), 3),
      loadavg: uptimeLoad(),
    });
  } finally {
    await server.stop();
  }
}

if (arg("role", "") === "bare") await bareLoop();
else await main();
