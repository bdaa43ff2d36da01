/**
 * Is the run-validity verdict right? Whole `aiperf profile` runs of the compiled binary (the demo's
 * load by default), each compared token by token with the moments the server really wrote.
 *
 *   bun scripts/bench/stamps.ts [--binary dist/aiperf] [--runs 6] [--concurrency 64] [--requests 200]
 *        [--ttft 40] [--itl 8] [--osl 64] [--isl 128] [--transport fetch,raw]
 *
 * Truth: the mock server in its own process with `recordWrites` (src/mock-server/write-log.ts)
 * keeps, per X-Request-ID, the host-wide monotonic time at which the write carrying each token
 * returned. Measured: the run's `profile_export_raw.jsonl` (`--export-level raw`), each read of a
 * reply with its `perf_ns` stamp (the same monotonic clock). A token's stamping delay is the stamp
 * of the read that carried it minus its write time: loopback, scheduling, and whatever held the
 * client's event loop. Per run, one JSON line: the verdict (valid, loop-lag p99 and max, the CPU
 * wait share, the send lag's mean), the delay of every profiling token (p50, p99, p99.9, max, how many over 5 ms) and
 * the first token's alone (the TTFT error). The transports alternate run by run.
 *
 * Last, per transport, how often the verdict's loop-lag judgement agreed with the truth: a run's
 * stamps were truly late when its tokens' stamping delay p99 exceeds the verdict's own loop-lag
 * bound (5 ms by default); the verdict said so when its loop-lag p99 did. `false_alarms`: said
 * late, were not; `missed`: were late, not said. Runs flagged for send lag alone are counted apart
 * (`flagged_send_lag_only`): the stamps say nothing about that claim.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { WriteEntry } from "../../src/mock-server/write-log.ts";
import { arg, MODEL, numArg, pct, ROOT, round, say, startServerProcess, summary, uptimeLoad } from "./support.ts";

const binary = resolve(ROOT, arg("binary", "dist/aiperf"));
const runs = numArg("runs", 6);
const concurrency = numArg("concurrency", 64);
const requests = numArg("requests", 200);
const ttft = numArg("ttft", 40);
const itl = numArg("itl", 8);
const osl = numArg("osl", 64);
const isl = numArg("isl", 128);
const transports = arg("transport", "fetch,raw").split(",");

type Verdict = {
  valid?: boolean;
  worker_loop_lag_p99_ms?: number;
  worker_loop_lag_max_ms?: number;
  worker_loop_lag_cpu_wait_pct?: number;
  send_lag_mean_ms?: number;
  bounds?: { worker_loop_lag_p99_ms?: number };
};
type RawLine = { metadata: { x_request_id: string; benchmark_phase: string }; responses?: { perf_ns: number; text: string }[] };

/** Per token: the stamp of the read that carried it minus the server's write time, in ms. */
function delays(rawJsonl: string, writes: WriteEntry[]): { all: number[]; first: number[] } {
  const byId = new Map(writes.map((w) => [w.requestId, w.tokenNs]));
  const all: number[] = [];
  const first: number[] = [];
  for (const line of rawJsonl.split("\n")) {
    if (line === "") continue;
    const r = JSON.parse(line) as RawLine;
    const written = byId.get(r.metadata.x_request_id);
    if (r.metadata.benchmark_phase !== "profiling" || written === undefined) continue;
    let k = 0;
    for (const read of r.responses ?? []) {
      // The mock sends one token per content-bearing SSE event.
      const tokens = read.text.match(/"content":"[^"]/g)?.length ?? 0;
      for (let i = 0; i < tokens && k < written.length; i++, k++) {
        const ms = (read.perf_ns - (written[k] as number)) / 1e6;
        all.push(ms);
        if (k === 0) first.push(ms);
      }
    }
  }
  return { all, first };
}

const server = await startServerProcess({ ttft, itl, osl, recordWrites: true });
const work = mkdtempSync(join(tmpdir(), "aiperf-stamps-"));
/** Per transport: the verdict's flag and the truth's, run by run. */
type Judged = { flagged: boolean; late: boolean; sendLagOnly: boolean };
const agreement = new Map<string, Judged[]>(transports.map((t) => [t, []]));
say({ bench: "stamps", binary, concurrency, requests, ttft, itl, osl, isl, load: uptimeLoad() });
try {
  for (let i = 0; i < runs; i++) {
    for (const transport of transports) {
      const dir = join(work, `${i}-${transport}`);
      await fetch(`${server.url}/debug/writes`).then((r) => r.arrayBuffer()); // a clean log
      const flags = ["--concurrency", concurrency, "--request-count", requests, "--warmup-request-count", Math.min(8, concurrency)];
      const shape = ["--isl", isl, "--osl", osl, "--random-seed", 7, "--export-level", "raw", "--transport", transport, "--artifact-dir", dir];
      const args = ["profile", "-m", MODEL, "-u", server.url, "--endpoint-type", "chat", "--streaming", ...flags, ...shape].map(String);
      const proc = Bun.spawn([binary, ...args], { stdout: "ignore", stderr: "ignore" });
      const exit = await proc.exited;
      const writes = (await (await fetch(`${server.url}/debug/writes`)).json()) as WriteEntry[];
      if (exit !== 0) {
        say({ run: i, transport, exit });
        continue;
      }
      const verdict = (JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8")) as { run_validity?: Verdict }).run_validity ?? {};
      const { all, first } = delays(readFileSync(join(dir, "profile_export_raw.jsonl"), "utf8"), writes);
      const s = summary(all, 2);
      const bound = verdict.bounds?.worker_loop_lag_p99_ms ?? 5;
      const loopLate = (verdict.worker_loop_lag_p99_ms ?? 0) > bound;
      agreement.get(transport)?.push({ flagged: loopLate, late: s.p99 > bound, sendLagOnly: verdict.valid === false && !loopLate });
      say({
        run: i,
        transport,
        valid: verdict.valid,
        loop_lag_p99_ms: verdict.worker_loop_lag_p99_ms,
        loop_lag_max_ms: verdict.worker_loop_lag_max_ms,
        cpu_wait_pct: verdict.worker_loop_lag_cpu_wait_pct,
        send_lag_mean_ms: verdict.send_lag_mean_ms,
        tokens: all.length,
        delay_ms: { p50: s.p50, p99: s.p99, p999: round(pct(Float64Array.from(all).sort(), 99.9), 2), max: s.max },
        tokens_over_5ms: all.filter((d) => d > 5).length,
        ttft_error_ms: summary(first, 2),
      });
    }
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
for (const [transport, runsOf] of agreement) {
  const count = (f: (r: Judged) => boolean): number => runsOf.filter(f).length;
  say({
    transport,
    runs: runsOf.length,
    flagged_loop_lag: count((r) => r.flagged),
    flagged_send_lag_only: count((r) => r.sendLagOnly),
    truly_late: count((r) => r.late),
    agreed: count((r) => r.flagged === r.late),
    false_alarms: count((r) => r.flagged && !r.late),
    missed: count((r) => r.late && !r.flagged),
  });
}
say({ load: uptimeLoad() });
