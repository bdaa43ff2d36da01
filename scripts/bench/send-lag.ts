/**
 * Send lag in every way a run can pace its requests, from whole `aiperf profile` runs of the
 * compiled binary against the mock server in its own process, so the services are arranged as
 * the product arranges them (timing a thread of the controller, or the only worker's guest in a
 * closed loop): a gamma rate, a fixed-schedule trace replay, user-centric sessions and a closed
 * loop (issue 14's "send lag at low load" row), and a constant or Poisson rate (its 400/s and
 * 2,000/s rows: `--modes constant,poisson --rate 400 --ttft 2 --itl 1 --osl 4`).
 *
 *   bun scripts/bench/send-lag.ts [--binary dist/aiperf] [--transport fetch,raw] [--rounds 1]
 *        [--seconds 10] [--rate 50] [--user-rate 20] [--concurrency 4]
 *        [--modes gamma,schedule,users,burst,constant,poisson] [--ttft 20] [--itl 5] [--osl 16]
 *
 * Every figure is the run's own, from profile_export_aiperf.json: the `send_lag` metric (request
 * start − intended send time, p50/p99/max over the profiling requests) and the verdict's
 * (`run_validity`: how long after it could go each successful request left, its scheduled time
 * or the moment its concurrency slot freed when that was later; p99 and mean), with the worker's
 * loop-lag p99 beside them. In a closed loop (burst) the verdict's figure is the one it judges
 * (from when each slot freed). Each mode runs on each transport in turn. Prints one JSON line per run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { arg, MODEL, numArg, ROOT, round, say, startServerProcess, uptimeLoad } from "./support.ts";

const binary = resolve(ROOT, arg("binary", "dist/aiperf"));
const transports = arg("transport", "fetch,raw").split(",");
const modes = arg("modes", "gamma,schedule,users,burst").split(",");
const rounds = numArg("rounds", 1);
const seconds = numArg("seconds", 10);
const rate = numArg("rate", 50);
const userRate = numArg("user-rate", 20);
const concurrency = numArg("concurrency", 4);
// By default a short streamed reply: low load means the client is mostly idle between sends.
const reply = { ttft: numArg("ttft", 20), itl: numArg("itl", 5), osl: numArg("osl", 16) };
const server = await startServerProcess(reply);
const work = mkdtempSync(join(tmpdir(), "aiperf-send-lag-"));

/** A mooncake trace at `rate` requests/s (timestamps in ms): the fixed schedule's input. */
function writeTrace(path: string): void {
  const n = Math.round(rate * seconds);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ timestamp: Math.round((i * 1000) / rate), input_length: 64, output_length: 16 }));
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/** The flags that give each mode its pacing, at about `seconds` of profiling. */
function modeFlags(mode: string): string[] {
  const count = String(Math.round(rate * seconds));
  switch (mode) {
    case "gamma":
      return ["--request-rate", String(rate), "--arrival-pattern", "gamma", "--arrival-smoothness", "2", "--request-count", count];
    case "constant":
    case "poisson":
      return ["--request-rate", String(rate), "--arrival-pattern", mode, "--request-count", count];
    case "schedule": {
      const trace = join(work, "trace.jsonl");
      writeTrace(trace);
      return ["--input-file", trace, "--custom-dataset-type", "mooncake_trace"];
    }
    case "users":
      return ["--user-centric-rate", String(userRate), "--num-users", "10", "--session-turns-mean", "4", "--benchmark-duration", String(seconds)];
    case "burst":
      return ["--concurrency", String(concurrency), "--request-count", count];
    default:
      throw new Error(`unknown mode ${mode} (gamma, schedule, users, burst, constant, poisson)`);
  }
}

type Verdict = { valid?: boolean; send_lag_p99_ms?: number; send_lag_mean_ms?: number; worker_loop_lag_p99_ms?: number };
type Stat = { p50?: number; p99?: number; max?: number };
const r3 = (x: number | undefined): number | undefined => (x === undefined ? undefined : round(x, 3));

say({ bench: "send-lag", binary, rate, user_rate: userRate, concurrency, seconds, ...reply, load: uptimeLoad() });
try {
  for (let pass = 0; pass < rounds; pass++) {
    for (const mode of modes) {
      for (const transport of transports) {
        const dir = join(work, `${pass}-${mode}-${transport}`);
        const shape = [
          "--isl",
          "64",
          "--osl",
          String(reply.osl),
          "--warmup-request-count",
          "10",
          "--random-seed",
          "7",
          "--transport",
          transport,
          "--artifact-dir",
          dir,
        ];
        const args = ["profile", "-m", MODEL, "-u", server.url, "--endpoint-type", "chat", "--streaming", ...modeFlags(mode), ...shape];
        const proc = Bun.spawn([binary, ...args], { stdout: "ignore", stderr: "pipe" });
        const exit = await proc.exited;
        if (exit !== 0) {
          say({ round: pass, mode, transport, exit, stderr: (await new Response(proc.stderr).text()).slice(-400) });
          continue;
        }
        const json = JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8")) as {
          run_validity?: Verdict;
          send_lag?: Stat;
          request_count?: { avg?: number };
        };
        const v = json.run_validity ?? {};
        say({
          round: pass,
          mode,
          transport,
          requests: json.request_count?.avg,
          valid: v.valid,
          send_lag_ms: { p50: r3(json.send_lag?.p50), p99: r3(json.send_lag?.p99), max: r3(json.send_lag?.max) },
          verdict_send_lag_ms: { p99: v.send_lag_p99_ms, mean: v.send_lag_mean_ms },
          loop_lag_p99_ms: v.worker_loop_lag_p99_ms,
        });
      }
    }
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
say({ load: uptimeLoad() });
