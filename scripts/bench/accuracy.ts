/**
 * Timing accuracy: our measured TTFT and inter-chunk latency against the moments the server really
 * wrote each token, at several concurrencies.
 *
 *   bun scripts/bench/accuracy.ts [--concurrency 1,100,1000] [--requests 30,500,3000]
 *        [--ttft 50] [--itl 50] [--osl 20] [--isl 64]
 *
 * Truth. The mock server runs in its own process with the opt-in `recordWrites`
 * (src/mock-server/write-log.ts): for every streamed request, keyed by the X-Request-ID the worker
 * sends, it keeps the host-wide CLOCK_MONOTONIC time (core/clock.ts monoNs) at which the write
 * carrying each token returned (after flush). GET /debug/writes hands the log over after each case.
 *
 * Measurement. The product's own timing, worker and record-processor services run as child
 * processes, wired and configured as `aiperf profile` wires them (same worker count and fetch cap
 * for the concurrency); this script stands in for the controller and the records service and
 * collects the parsed RequestRecords: `startNs` (just before fetch) and `responseNs` (one per
 * content-bearing SSE message, the read stamp the metrics use: TTFT = responseNs[0] − startNs,
 * ITL/inter-chunk = consecutive differences). Both sides are monoNs, so they compare directly;
 * nothing is read back from display-unit exports.
 *
 * Figures, all in µs, per request i and token k (w = server write time, r = responseNs):
 *  - ttft_err  = measured TTFT − true TTFT = (r0 − start) − (w0 − start) = r0 − w0: everything
 *    between the server's write and our stamp (loopback, Bun's HTTP thread, the JS hop, our loop).
 *  - icl_err   = (r_k − r_{k−1}) − (w_k − w_{k−1}) for k ≥ 1: error of each inter-chunk gap.
 *  - delivery  = r_k − w_k for every token (the per-chunk stamping delay).
 *  - server_late = w0 − (server arrival + scripted ttft): the mock's own timer lateness (not our
 *    error; reported so scripted vs actual is visible). upload = server arrival − start.
 *  - same_read = share of tokens stamped by the same read as the previous one (coalesced reads).
 * Warmup (one request per concurrency slot) is sent first and not counted. After each case the
 * same load runs from a bare fetch client in its own process (bare-stream-client.ts: fetch +
 * reader.read(), each read stamped), whose ttft_err is printed on the next line: the floor. Each concurrency gets
 * fresh service processes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WriteEntry } from "../../src/mock-server/write-log.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { listArg, numArg, round, say, startHarness, startServerProcess, summary, uptimeLoad, writeChatDataset } from "./support.ts";

const concurrencies = listArg("concurrency", [1, 100, 1000]);
const requestCounts = listArg("requests", [30, 500, 3000]);
const ttft = numArg("ttft", 50);
const itl = numArg("itl", 50);
const osl = numArg("osl", 20);
const isl = numArg("isl", 64);
const CONVERSATIONS = 100;

type CaseFigures = {
  ttftErr: number[];
  iclErr: number[];
  delivery: number[];
  serverLate: number[];
  upload: number[];
  sameRead: number;
  tokens: number;
  matched: number;
  unmatched: number;
  errors: number;
};

function compare(records: RequestRecord[], writes: WriteEntry[]): CaseFigures {
  const byId = new Map<string, WriteEntry>();
  for (const w of writes) if (w.requestId !== null) byId.set(w.requestId, w);
  const f: CaseFigures = { ttftErr: [], iclErr: [], delivery: [], serverLate: [], upload: [], sameRead: 0, tokens: 0, matched: 0, unmatched: 0, errors: 0 };
  for (const r of records) {
    if (r.phase !== "profiling") continue;
    if (r.error !== null) {
      f.errors++;
      continue;
    }
    const w = byId.get(r.xRequestId);
    // Every content-bearing message carries one token here, so the k-th response is the k-th write.
    if (w === undefined || w.tokenNs.length !== r.responseNs.length || w.tokenNs.length === 0) {
      f.unmatched++;
      continue;
    }
    f.matched++;
    const rs = r.responseNs;
    const ws = w.tokenNs;
    f.ttftErr.push(((rs[0] as number) - (ws[0] as number)) / 1e3);
    f.serverLate.push(((ws[0] as number) - (w.arrivalNs + ttft * 1e6)) / 1e3);
    f.upload.push((w.arrivalNs - r.startNs) / 1e3);
    for (let k = 0; k < rs.length; k++) {
      f.delivery.push(((rs[k] as number) - (ws[k] as number)) / 1e3);
      f.tokens++;
      if (k === 0) continue;
      f.iclErr.push(((rs[k] as number) - (rs[k - 1] as number) - ((ws[k] as number) - (ws[k - 1] as number))) / 1e3);
      if (rs[k] === rs[k - 1]) f.sameRead++;
    }
  }
  return f;
}

async function runCase(url: string, concurrency: number, requests: number, scratch: string, datasetPath: string): Promise<void> {
  const dir = mkdtempSync(join(scratch, `c${concurrency}-`));
  const flags = ["--streaming", "--concurrency", String(concurrency), "--request-count", String(requests)];
  const harness = await startHarness({ profileFlags: flags, url, datasetPath, conversations: CONVERSATIONS, scratch: dir });
  try {
    await fetch(`${url}/debug/writes`).then((r) => r.arrayBuffer());
    const t0 = performance.now();
    const timing = await harness.run(
      { rateMode: "concurrency_burst", concurrency, requestCount: requests, warmupRequestCount: concurrency, randomSeed: 1 },
      requests + concurrency,
    );
    const wall = (performance.now() - t0) / 1000;
    const writes = (await (await fetch(`${url}/debug/writes`)).json()) as WriteEntry[];
    const f = compare(harness.records, writes);
    const profiling = timing.phases.find((p) => p.phase === "profiling");
    say({
      bench: "accuracy",
      concurrency,
      requests,
      matched: f.matched,
      unmatched: f.unmatched,
      errors: f.errors,
      server: { ttft_ms: ttft, itl_ms: itl, osl },
      profiling_s: profiling === undefined ? null : round((profiling.endNs - profiling.startNs) / 1e9, 2),
      wall_s: round(wall, 1),
      unit: "us",
      ttft_err: summary(f.ttftErr),
      icl_err: summary(f.iclErr),
      delivery: summary(f.delivery),
      same_read: round(f.sameRead / Math.max(1, f.tokens - f.matched), 3),
      server_late: summary(f.serverLate),
      upload: summary(f.upload),
      loadavg: uptimeLoad(),
    });
  } finally {
    await harness.stop();
  }
  // The same load from a bare fetch client (its own process): its TTFT error is the floor.
  await fetch(`${url}/debug/writes`).then((r) => r.arrayBuffer());
  const bare = Bun.spawn(
    [process.execPath, join(import.meta.dir, "bare-stream-client.ts"), url, String(concurrency), String(requests), "1", String(isl), String(osl)],
    { stdout: "pipe", stderr: "inherit" },
  );
  const out = JSON.parse(await new Response(bare.stdout).text()) as { results: { id: string; firstNs: number }[]; errors: number };
  await bare.exited;
  const writes = new Map(((await (await fetch(`${url}/debug/writes`)).json()) as WriteEntry[]).map((w) => [w.requestId, w]));
  const bareErr: number[] = [];
  for (const r of out.results) {
    const first = writes.get(r.id)?.tokenNs[0];
    if (first !== undefined && r.firstNs > 0) bareErr.push((r.firstNs - first) / 1e3);
  }
  say({
    bench: "accuracy",
    side: "bare_fetch_client",
    concurrency,
    requests,
    matched: bareErr.length,
    errors: out.errors,
    unit: "us",
    ttft_err: summary(bareErr),
    loadavg: uptimeLoad(),
  });
}

const scratch = mkdtempSync(join(tmpdir(), "aiperf-bench-accuracy-"));
const datasetPath = join(scratch, "dataset.bin");
writeChatDataset(datasetPath, CONVERSATIONS, isl, osl);
say({ bench: "accuracy", loadavg: uptimeLoad(), cores: navigator.hardwareConcurrency });
const server = await startServerProcess({ ttft, itl, osl, recordWrites: true });
try {
  for (const [i, c] of concurrencies.entries()) await runCase(server.url, c, requestCounts[i] ?? requestCounts.at(-1) ?? 100, scratch, datasetPath);
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
