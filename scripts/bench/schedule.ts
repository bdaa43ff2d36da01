/**
 * Schedule accuracy: at a constant request rate, how late does fetch() get called compared with
 * the intended send time the timing service put on the credit?
 *
 *   bun scripts/bench/schedule.ts [--rates 1000] [--requests 5000] [--warmup 500]
 *        [--ttft 5] [--itl 2] [--osl 8] [--isl 64]
 *
 * Method. The product's timing, worker and record-processor services run as child processes,
 * wired and configured as `aiperf profile --request-rate R --request-rate-mode constant
 * --streaming` wires them (same worker count and per-worker fetch cap); the mock server runs in a
 * process of its own. Nothing in the product is changed: the workers push their raw captures
 * (RawRecord, which already carries the credit's `intendedNs` and `startNs`, taken just before
 * fetch()) to this script, which reads the two times and forwards every message unchanged to the
 * real record processor, so the parsing load of a real run stays in the picture. This script
 * also stands in for the records service (it only counts parsed records).
 *
 * lag = startNs − intendedNs (µs), both host-wide CLOCK_MONOTONIC (core/clock.ts monoNs). It adds
 * up the timing service's pacer lateness, the credit's trip over the bus, and the worker's work
 * before fetch() (dataset body, headers, timers). Only profiling-phase requests are counted.
 * Also printed: the rate actually achieved by the send times, and how many sends were early.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RawRecord } from "../../src/protocol/pipeline.ts";
import { listArg, numArg, round, say, startHarness, startServerProcess, summary, uptimeLoad, writeChatDataset } from "./support.ts";

const rates = listArg("rates", [1000]);
const requests = numArg("requests", 5000);
const warmup = numArg("warmup", 500);
const ttft = numArg("ttft", 5);
const itl = numArg("itl", 2);
const osl = numArg("osl", 8);
const isl = numArg("isl", 64);
const CONVERSATIONS = 100;

async function runCase(url: string, rate: number, scratch: string, datasetPath: string): Promise<void> {
  const dir = mkdtempSync(join(scratch, `r${rate}-`));
  const raw: RawRecord[] = [];
  const flags = ["--streaming", "--request-rate", String(rate), "--request-rate-mode", "constant", "--request-count", String(requests)];
  const harness = await startHarness({ profileFlags: flags, url, datasetPath, conversations: CONVERSATIONS, scratch: dir, onRaw: (batch) => raw.push(...batch) });
  try {
    await harness.run({ rateMode: "constant", requestRate: rate, requestCount: requests, warmupRequestCount: warmup, randomSeed: 1 }, requests + warmup);
    const profiling = raw.filter((r) => r.phase === "profiling").sort((a, b) => a.intendedNs - b.intendedNs);
    const lag = profiling.map((r) => (r.startNs - r.intendedNs) / 1e3);
    const first = profiling[0] as RawRecord;
    const last = profiling.at(-1) as RawRecord;
    const starts = profiling.map((r) => r.startNs).sort((a, b) => a - b);
    say({
      bench: "schedule",
      rate,
      mode: "constant",
      requests: profiling.length,
      errors: profiling.filter((r) => r.error !== null).length,
      server: { ttft_ms: ttft, itl_ms: itl, osl },
      unit: "us",
      lag: summary(lag),
      over_1ms: round(lag.filter((x) => x > 1000).length / lag.length, 4),
      early: lag.filter((x) => x < 0).length,
      intended_rate: round((profiling.length - 1) / ((last.intendedNs - first.intendedNs) / 1e9), 1),
      achieved_rate: round((starts.length - 1) / (((starts.at(-1) as number) - (starts[0] as number)) / 1e9), 1),
      loadavg: uptimeLoad(),
    });
  } finally {
    await harness.stop();
  }
}

const scratch = mkdtempSync(join(tmpdir(), "aiperf-bench-schedule-"));
const datasetPath = join(scratch, "dataset.bin");
writeChatDataset(datasetPath, CONVERSATIONS, isl, osl);
say({ bench: "schedule", loadavg: uptimeLoad(), cores: navigator.hardwareConcurrency });
const server = await startServerProcess({ ttft, itl, osl });
try {
  for (const rate of rates) await runCase(server.url, rate, scratch, datasetPath);
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
