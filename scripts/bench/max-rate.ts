/**
 * Non-streaming maximum request rate: `aiperf profile` with the fetch transport, with the raw
 * transport, and `wrk` (C, the reference of what the mock server can take), one after another on
 * the same mock server in the same run.
 *
 *   bun scripts/bench/max-rate.ts [--seconds 10] [--concurrency 16] [--rounds 2] [--isl 64] [--osl 16]
 *        [--binary dist/aiperf] [--before OTHER_BINARY] [--sides wrk,fetch,raw] [--wrk-threads 2] [--queued] [--workers N]
 *
 * Method. The mock server runs in its own process (mock-server-child.ts, ttft 0, itl 0: every reply
 * is one JSON write as soon as the request is read). Each side sends the same chat request body,
 * non-streaming, closed loop at --concurrency for --seconds:
 *  - fetch / raw: `aiperf profile --concurrency C --benchmark-duration S --transport T` (the
 *    compiled --binary, or src/main.ts), its own synthetic prompts of --isl words;
 *  - wrk: `wrk -t THREADS -c C -d S` with a Lua script that POSTs the body the product would send.
 * Every side's rate is read the same way, from the server's own finished-requests counter polled
 * every 100 ms: requests finished between the moments 10% and 90% of the side's total were done,
 * divided by the time between (so start-up, warm-up and shutdown are left out). Every second
 * round runs the sides in the reverse order of the one before (so of any two sides each goes first
 * as often, over an even number of rounds); the summary gives each side's median and the ratios to wrk. Whether a run of
 * ours flagged itself ("Run invalid: the client was the bottleneck") is printed with it, and how
 * many of its C requests were on the wire on average (in_flight_avg: its own throughput × mean
 * latency; the rest of the time a slot is between requests, its credit on the way back and out).
 * --before adds fetch-before and raw-before: the same runs from another build (e.g. main's), in
 * the same rotation, so a change is read as a ratio taken in one run. --sides keeps only the named
 * sides (the -before ones are added to whichever of fetch and raw are kept). --queued adds
 * fetch-queued and raw-queued: --binary with AIPERF_CREDIT_QUEUE_DEPTH=1, i.e. with the credits a
 * worker holds (docs/client-efficiency.md "Ninth pass"; by default only where timing is a thread, so not with one worker), so the credit protocol alone is read as a ratio.
 * --workers N runs ours with --workers-max N (default: the product's own choice, one worker on 2 cores);
 * each run of ours also prints its verdict's mean send lag, the load it says was lost and the worker's loop-lag p99.
 * If wrk is not installed the script says so and prints our two sides only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { requestBody } from "../../src/services/dataset/request-body.ts";
import { arg, MODEL, numArg, prompt, ROOT, round, say, serverFinished, startServerProcess, uptimeLoad } from "./support.ts";

type Side = "fetch" | "raw" | "wrk" | "fetch-before" | "raw-before" | "fetch-queued" | "raw-queued";
type Opts = {
  seconds: number;
  concurrency: number;
  rounds: number;
  isl: number;
  osl: number;
  binary: string;
  before: string;
  wrkThreads: number;
  workers: number;
};
/** in_flight: requests on the wire on average (Little's law: the run's own throughput × mean latency); a closed loop at C holds C at most. */
type Result = {
  side: Side;
  rps: number;
  finished: number;
  flagged: boolean | null;
  client_rps: number | null;
  in_flight?: number | null;
  /** The run's own verdict figures: mean send lag (ms) and the share of the asked load it says was lost (%). */
  send_lag_mean_ms?: number | null;
  load_lost_pct?: number | null;
  loop_lag_p99_ms?: number | null;
  /** Why a flagged run was flagged: the start of each of its verdict's reasons. */
  why?: string[];
};

/** Polls the server's counter until `done` resolves; the rate between 10% and 90% of what finished. */
async function serverRate(url: string, done: Promise<unknown>): Promise<{ rps: number; finished: number }> {
  const base = await serverFinished(url);
  const samples: { t: number; n: number }[] = [];
  let over = false;
  void done.then(() => (over = true));
  while (!over) {
    samples.push({ t: performance.now(), n: (await serverFinished(url)) - base });
    await Bun.sleep(100);
  }
  const total = (await serverFinished(url)) - base;
  const a = samples.find((s) => s.n >= 0.1 * total);
  const b = samples.findLast((s) => s.n <= 0.9 * total);
  if (a === undefined || b === undefined || b.t <= a.t) return { rps: Number.NaN, finished: total };
  return { rps: (b.n - a.n) / ((b.t - a.t) / 1000), finished: total };
}

async function runOurs(url: string, side: Exclude<Side, "wrk">, o: Opts): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-rate-"));
  const transport = side.startsWith("raw") ? "raw" : "fetch";
  const binary = side.endsWith("-before") ? o.before : o.binary;
  const queue = side.endsWith("-queued") ? { AIPERF_CREDIT_QUEUE_DEPTH: "1" } : {};
  try {
    const command = binary === "" ? [process.execPath, join(ROOT, "src", "main.ts")] : [binary];
    const flags = [
      "profile",
      "-m",
      MODEL,
      "-u",
      url,
      "--endpoint-type",
      "chat",
      "--concurrency",
      String(o.concurrency),
      "--benchmark-duration",
      String(o.seconds),
      "--isl",
      String(o.isl),
      "--osl",
      String(o.osl),
      "--transport",
      transport,
      ...(o.workers > 0 ? ["--workers-max", String(o.workers)] : []),
      "--ui",
      "none",
      "--random-seed",
      "1",
      "--artifact-dir",
      join(dir, "out"),
    ];
    const proc = Bun.spawn([...command, ...flags], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", ...queue } });
    const [out, err, rate] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), serverRate(url, proc.exited)]);
    const code = await proc.exited;
    if (code !== 0) throw new Error(`${side}: aiperf profile --transport ${transport} exited with ${code}: ${(out + err).slice(-2000)}`);
    const json = JSON.parse(readFileSync(join(dir, "out", "profile_export_aiperf.json"), "utf8")) as Record<string, { avg?: number } | undefined> & {
      run_validity?: { send_lag_mean_ms?: number | null; load_lost_pct?: number; worker_loop_lag_p99_ms?: number | null; reasons?: string[] };
    };
    const [thr, lat] = [json.request_throughput?.avg, json.request_latency?.avg];
    const inFlight = thr === undefined || lat === undefined ? null : round((thr * lat) / 1000, 1);
    const v = json.run_validity;
    return {
      side,
      ...rate,
      flagged: /Run invalid/.test(out + err),
      client_rps: thr ?? null,
      in_flight: inFlight,
      send_lag_mean_ms: v?.send_lag_mean_ms ?? null,
      load_lost_pct: v?.load_lost_pct ?? null,
      loop_lag_p99_ms: v?.worker_loop_lag_p99_ms ?? null,
      why: (v?.reasons ?? []).map((r) => r.replace(/ exceeds .*/, "")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runWrk(url: string, o: Opts, dir: string): Promise<Result> {
  const body = JSON.stringify(
    requestBody({ model: MODEL, texts: [prompt(o.isl)], maxTokens: o.osl }, { endpointType: "chat", streaming: false, extraInputs: [] }),
  );
  const script = join(dir, "post.lua");
  writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`);
  const proc = Bun.spawn(["wrk", "-t", String(o.wrkThreads), "-c", String(o.concurrency), "-d", `${o.seconds}s`, "-s", script, `${url}/v1/chat/completions`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, rate] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), serverRate(url, proc.exited)]);
  if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${out}${err}`);
  const own = /Requests\/sec:\s*([\d.]+)/.exec(out)?.[1];
  if (/Non-2xx/.test(out)) throw new Error(`wrk got error replies:\n${out}`);
  return { side: "wrk", ...rate, flagged: null, client_rps: own === undefined ? null : Number(own) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const o: Opts = {
    seconds: numArg("seconds", 10),
    concurrency: numArg("concurrency", 16),
    rounds: numArg("rounds", 2),
    isl: numArg("isl", 64),
    osl: numArg("osl", 16),
    binary: arg("binary", "") === "" ? "" : resolve(arg("binary", "")),
    before: arg("before", "") === "" ? "" : resolve(arg("before", "")),
    wrkThreads: numArg("wrk-threads", 2),
    workers: numArg("workers", 0),
  };
  const kept = arg("sides", "wrk,fetch,raw").split(",");
  const hasWrk = Bun.which("wrk") !== null;
  if (!hasWrk) say("wrk is not installed (Debian: apt-get install wrk): no reference side; only our figures are printed, no ratios");
  say({
    bench: "max-rate",
    loadavg: uptimeLoad(),
    cores: navigator.hardwareConcurrency,
    concurrency: o.concurrency,
    workers: o.workers > 0 ? o.workers : "default",
    seconds: o.seconds,
    isl: o.isl,
    osl: o.osl,
    binary: o.binary === "" ? "source" : o.binary,
    before: o.before === "" ? null : o.before,
  });
  const server = await startServerProcess({ ttft: 0, itl: 0, osl: o.osl });
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-wrk-"));
  try {
    const ours: Side[] = [
      "fetch",
      "raw",
      ...(o.before === "" ? [] : (["fetch-before", "raw-before"] as const)),
      ...(process.argv.includes("--queued") ? (["fetch-queued", "raw-queued"] as const) : []),
    ];
    const sides = [...(hasWrk ? (["wrk"] as Side[]) : []), ...ours].filter((s) => kept.includes(s.replace(/-before$|-queued$/, "")));
    const results: Result[] = [];
    for (let round_ = 0; round_ < o.rounds; round_++) {
      // Odd rounds run the even round's order backwards, so of any two sides each runs first equally
      // often over two rounds (bench:timing saw the side run first lose in 18 of 20 pairs); each
      // pair of rounds starts one side further on, so the machine's drift hits all alike.
      const shift = Math.floor(round_ / 2);
      const rotated = sides.map((_, i) => sides[(i + shift) % sides.length] as Side);
      const order = round_ % 2 === 0 ? rotated : rotated.reverse();
      for (const side of order) {
        const r = side === "wrk" ? await runWrk(server.url, o, dir) : await runOurs(server.url, side, o);
        say({
          bench: "max-rate",
          round: round_ + 1,
          side,
          server_counted_rps: round(r.rps, 0),
          finished: r.finished,
          own_report_rps: r.client_rps === null ? null : round(r.client_rps, 0),
          ...(r.in_flight === undefined
            ? {}
            : { in_flight_avg: r.in_flight, send_lag_mean_ms: r.send_lag_mean_ms, load_lost_pct: r.load_lost_pct, loop_lag_p99_ms: r.loop_lag_p99_ms }),
          run_flagged_invalid: r.flagged,
          ...(r.why === undefined || r.why.length === 0 ? {} : { why: r.why }),
        });
        results.push(r);
      }
    }
    const med = (side: Side): number => median(results.filter((r) => r.side === side).map((r) => r.rps));
    const wrkRps = hasWrk && sides.includes("wrk") ? med("wrk") : Number.NaN;
    const summary: Record<string, unknown> = { bench: "max-rate", side: "summary", concurrency: o.concurrency };
    for (const side of sides) {
      summary[`${side}_rps`] = round(med(side), 0);
      if (side !== "wrk" && Number.isFinite(wrkRps)) summary[`${side}_vs_wrk`] = round(med(side) / wrkRps, 2);
    }
    if (!hasWrk) summary.wrk_rps = "wrk not installed";
    if (sides.includes("fetch") && sides.includes("raw")) summary.raw_vs_fetch = round(med("raw") / med("fetch"), 2);
    for (const t of ["fetch", "raw"] as const) {
      if (sides.includes(`${t}-before`)) summary[`${t}_vs_before`] = round(med(t) / med(`${t}-before`), 2);
      if (sides.includes(`${t}-queued`)) summary[`${t}-queued_vs_${t}`] = round(med(`${t}-queued`) / med(t), 2);
    }
    // Requests on the wire on average (of --concurrency), each side's median.
    const flights: Record<string, number> = {};
    for (const side of sides) {
      const xs = results.filter((r) => r.side === side && typeof r.in_flight === "number").map((r) => r.in_flight as number);
      if (xs.length > 0) flights[side] = round(median(xs), 1);
    }
    summary.in_flight_avg = flights;
    summary.runs_flagged_invalid = results.filter((r) => r.flagged === true).map((r) => r.side);
    summary.loadavg = uptimeLoad();
    say(summary);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
