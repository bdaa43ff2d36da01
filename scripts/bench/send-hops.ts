/**
 * Breaks send lags down by hop, from RawRecords that carry a SendTrace (AIPERF_SEND_TRACE=1 in the
 * workers' environment; worker/send-trace.ts). Hops, in µs:
 *   pacer  intended → timing released the credit (the pacer's lateness)
 *   bus    released → the worker's socket callback (timing's flush turn, the kernel, the worker's wake-up)
 *   decode socket callback → credit decoded
 *   wait   decoded → the worker's wait for the intended time ended (none when the credit came late)
 *   build  → body and headers ready
 *   send   → the transport's start stamp (startNs)
 * For the late sends (lag ≥ `lateUs`) it also says what the worker was doing: how many of its other
 * requests were in flight, and how many response chunks it stamped while the credit was on its way
 * (its event loop busy with other streams), against the same figures for all sends.
 */
import type { RawRecord } from "../../src/protocol/pipeline.ts";
import { round, summary } from "./support.ts";

const HOPS = ["pacer", "bus", "decode", "wait", "build", "send"] as const;
type Hop = (typeof HOPS)[number];

function hopsOf(r: RawRecord): Record<Hop, number> | undefined {
  const t = r.sendTrace;
  if (t === undefined || !Number.isFinite(t.issuedNs)) return undefined;
  return {
    pacer: (t.issuedNs - r.intendedNs) / 1e3,
    bus: (t.readNs - t.issuedNs) / 1e3,
    decode: (t.decodedNs - t.readNs) / 1e3,
    wait: (t.dueNs - t.decodedNs) / 1e3,
    build: (t.builtNs - t.dueNs) / 1e3,
    send: (r.startNs - t.builtNs) / 1e3,
  };
}

type Context = { inFlight: number; chunks: number };

/** What the credit's worker was doing between its release by timing and its send. */
function contextOf(r: RawRecord, byWorker: Map<string, RawRecord[]>): Context {
  const from = r.sendTrace?.issuedNs ?? r.intendedNs;
  let inFlight = 0;
  let chunks = 0;
  for (const o of byWorker.get(r.workerId) ?? []) {
    if (o === r || o.startNs > r.startNs || o.endNs < from) continue;
    inFlight++;
    for (const c of o.chunkNs) if (c >= from && c <= r.startNs) chunks++;
  }
  return { inFlight, chunks };
}

export type HopReport = {
  traced: number;
  late: number;
  lateUs: number;
  /** p50 / p99 of each hop over every traced send. */
  all: Record<Hop, string>;
  /** Median of each hop over the late sends; and how many late sends had that hop as their largest. */
  lateMedian: Record<Hop, number>;
  lateLargest: Record<Hop, number>;
  /** Mean in-flight requests and chunks stamped on the way, late sends vs all. */
  busy: { lateInFlight: number; allInFlight: number; lateChunks: number; allChunks: number };
};

export function sendHops(records: RawRecord[], lateUs: number): HopReport | undefined {
  const traced = records.filter((r) => hopsOf(r) !== undefined);
  if (traced.length === 0) return undefined;
  const byWorker = new Map<string, RawRecord[]>();
  for (const r of records) {
    const list = byWorker.get(r.workerId);
    if (list === undefined) byWorker.set(r.workerId, [r]);
    else list.push(r);
  }
  const late = traced.filter((r) => (r.startNs - (r.readyNs ?? r.intendedNs)) / 1e3 >= lateUs);
  const all = {} as Record<Hop, string>;
  const lateMedian = {} as Record<Hop, number>;
  const lateLargest = {} as Record<Hop, number>;
  for (const h of HOPS) {
    const s = summary(traced.map((r) => (hopsOf(r) as Record<Hop, number>)[h]));
    all[h] = `${s.p50} / ${s.p99}`;
    lateMedian[h] = late.length === 0 ? Number.NaN : summary(late.map((r) => (hopsOf(r) as Record<Hop, number>)[h])).p50;
    lateLargest[h] = 0;
  }
  for (const r of late) {
    const hops = hopsOf(r) as Record<Hop, number>;
    const top = HOPS.reduce((a, b) => (hops[b] > hops[a] ? b : a));
    lateLargest[top]++;
  }
  const mean = (xs: number[]): number => (xs.length === 0 ? Number.NaN : round(xs.reduce((a, b) => a + b, 0) / xs.length, 2));
  const ctxAll = traced.map((r) => contextOf(r, byWorker));
  const ctxLate = late.map((r) => contextOf(r, byWorker));
  return {
    traced: traced.length,
    late: late.length,
    lateUs,
    all,
    lateMedian,
    lateLargest,
    busy: {
      lateInFlight: mean(ctxLate.map((c) => c.inFlight)),
      allInFlight: mean(ctxAll.map((c) => c.inFlight)),
      lateChunks: mean(ctxLate.map((c) => c.chunks)),
      allChunks: mean(ctxAll.map((c) => c.chunks)),
    },
  };
}
