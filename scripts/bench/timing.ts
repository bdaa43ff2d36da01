/**
 * Send precision of the timing service: at each rate and arrival mode, how late does fetch() get
 * called after the intended send time the timing service put on the credit, what rate was
 * achieved, and how much CPU did the timing process spend pacing?
 *
 *   bun scripts/bench/timing.ts [--rates 100,1000,5000] [--modes constant,poisson]
 *        [--seconds 3] [--warmup 200] [--ttft 2] [--itl 1] [--osl 4] [--isl 32]
 *        [--binary dist/aiperf] [--before OTHER_BINARY] [--rounds 1] [--trace] [--late-us 500]
 *
 * Method: the product's timing, worker and record-processor services run as
 * child processes wired as `aiperf profile --request-rate R --request-rate-mode M --streaming`
 * wires them; the mock server has its own process. Timing is a process of its own here, where
 * the product runs it as a thread of the controller: this bench isolates the send path hop by hop
 * (--trace) and against the pacer alone; the product's own figures come from whole runs,
 * `bench:send-lag --modes constant,poisson`. Workers' raw captures pass through this
 * script, which reads each request's intendedNs and startNs (taken just before fetch()) and
 * forwards the batch unchanged. lag = startNs − intendedNs: how late the worker's own wait ended
 * (timing releases credits ahead, worker/send-at.ts), or, for a credit that arrived late, the
 * pacer's lateness and the credit's bus trip; then the worker's work before fetch(). The timing
 * CPU is its own process.cpuUsage() delta over the run (TimingResult.cpu), shown as a share of
 * one core over the profiling phase. Each case sends rate × seconds profiling requests after
 * `warmup` warmup requests. The last column is timing's release and the worker's wait (timer,
 * futex, spin) together in this one process (pacer-only.ts): what one process's wake-up can do
 * on this machine.
 * --binary runs the services from a compiled binary (default: this source tree under Bun);
 * --before adds a second binary, run right after the first in every case of every round, so the
 * two are compared under the same load. --trace sets AIPERF_SEND_TRACE=1 in the services'
 * environment and prints where the lag went, hop by hop (send-hops.ts), for all sends and for
 * those at least --late-us late (a binary without the trace prints nothing more).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RawRecord } from "../../src/protocol/pipeline.ts";
import { pacerLateness } from "./pacer-only.ts";
import { sendHops } from "./send-hops.ts";
import { arg, listArg, numArg, round, say, startHarness, startServerProcess, summary, uptimeLoad, writeChatDataset } from "./support.ts";

const rates = listArg("rates", [100, 1000, 5000]);
const modes = arg("modes", "constant,poisson").split(",") as ("constant" | "poisson")[];
const seconds = numArg("seconds", 3);
const warmup = numArg("warmup", 200);
const ttft = numArg("ttft", 2);
const itl = numArg("itl", 1);
const osl = numArg("osl", 4);
const isl = numArg("isl", 32);
const binary = arg("binary", "");
const before = arg("before", "");
const rounds = numArg("rounds", 1);
const trace = process.argv.includes("--trace");
const lateUs = numArg("late-us", 500);
const CONVERSATIONS = 100;
if (trace) process.env.AIPERF_SEND_TRACE = "1";

type Side = { label: string; command: string[] | undefined };
const sides: Side[] = [{ label: binary === "" ? "source" : "binary", command: binary === "" ? undefined : [binary] }];
if (before !== "") sides.push({ label: "before", command: [before] });

type Row = {
  side: string;
  rate: number;
  mode: string;
  n: number;
  p50: number;
  p99: number;
  max: number;
  achieved: number;
  cpu: number;
  errors: number;
  pacer: string;
};

async function runCase(side: Side, url: string, rate: number, mode: "constant" | "poisson", scratch: string, datasetPath: string): Promise<Row> {
  const dir = mkdtempSync(join(scratch, `${mode}${rate}-`));
  const raw: RawRecord[] = [];
  const requests = Math.round(rate * seconds);
  const flags = ["--streaming", "--request-rate", String(rate), "--request-rate-mode", mode, "--request-count", String(requests)];
  const harness = await startHarness({
    profileFlags: flags,
    url,
    datasetPath,
    conversations: CONVERSATIONS,
    scratch: dir,
    onRaw: (batch) => raw.push(...batch),
    ...(side.command === undefined ? {} : { command: side.command }),
  });
  try {
    const result = await harness.run(
      { rateMode: mode, requestRate: rate, requestCount: requests, warmupRequestCount: warmup, randomSeed: 1 },
      requests + warmup,
    );
    const profiling = raw.filter((r) => r.phase === "profiling");
    const lag = profiling.map((r) => (r.startNs - r.intendedNs) / 1e3);
    const starts = profiling.map((r) => r.startNs).sort((a, b) => a - b);
    const phase = result.phases.find((p) => p.phase === "profiling");
    const allPhasesSec = result.phases.reduce((s, p) => s + (p.endNs - p.startNs) / 1e9, 0);
    const cpuSec = result.cpu === undefined ? Number.NaN : (result.cpu.userUs + result.cpu.systemUs) / 1e6;
    const s = summary(lag);
    const row: Row = {
      side: side.label,
      rate,
      mode,
      n: profiling.length,
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      achieved: round((starts.length - 1) / (((starts.at(-1) as number) - (starts[0] as number)) / 1e9), 1),
      cpu: round((100 * cpuSec) / allPhasesSec, 1),
      errors: profiling.filter((r) => r.error !== null).length,
      pacer: "",
    };
    say({
      bench: "timing",
      ...row,
      lag_us: s,
      early: lag.filter((x) => x < 0).length,
      phase_sec: phase === undefined ? null : round((phase.endNs - phase.startNs) / 1e9, 2),
      timing_cpu_s: round(cpuSec, 3),
      loadavg: uptimeLoad(),
    });
    if (trace) {
      const hops = sendHops(profiling, lateUs);
      if (hops !== undefined) say({ bench: "timing-hops", side: side.label, rate, mode, ...hops });
    }
    return row;
  } finally {
    await harness.stop();
  }
}

const scratch = mkdtempSync(join(tmpdir(), "aiperf-bench-timing-"));
const datasetPath = join(scratch, "dataset.bin");
writeChatDataset(datasetPath, CONVERSATIONS, isl, osl);
say({ bench: "timing", loadavg: uptimeLoad(), cores: navigator.hardwareConcurrency });
const server = await startServerProcess({ ttft, itl, osl });
const rows: Row[] = [];
// The sides take turns going first: in 20 pairs at 50 and 400 req/s on the 2-core VM the side run
// first had the higher p99 18 times, whichever binary it was.
let turn = 0;
try {
  for (let round = 0; round < rounds; round++) {
    for (const rate of rates) {
      for (const mode of modes) {
        const got: Row[] = [];
        for (const side of turn++ % 2 === 0 ? sides : [...sides].reverse()) got.push(await runCase(side, server.url, rate, mode, scratch, datasetPath));
        const pacer = await pacerLateness(rate, mode, Math.round(rate * seconds));
        say({ bench: "timing-pacer-only", rate, mode, lateness_us: pacer });
        for (const row of got) rows.push({ ...row, pacer: `${pacer.p50} / ${pacer.p99} / ${pacer.max}` });
      }
    }
  }
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
say("");
say(
  "| services | rate (req/s) | mode | requests | lag p50 (µs) | lag p99 (µs) | lag max (µs) | achieved (req/s) | timing CPU (% of a core) | errors | pacer alone p50 / p99 / max (µs) |",
);
say("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows)
  say(`| ${r.side} | ${r.rate} | ${r.mode} | ${r.n} | ${r.p50} | ${r.p99} | ${r.max} | ${r.achieved} | ${r.cpu} | ${r.errors} | ${r.pacer} |`);
say(`load average after: ${uptimeLoad()}`);
