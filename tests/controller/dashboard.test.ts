/**
 * The dashboard's parts without a terminal: the records service's live sampler, the model fed
 * with the controller's events on a fake clock, the view at 80×24 and 120×40, and the screen's
 * escape codes on a fake TTY stream (the real terminal is tests/e2e/dashboard.test.ts).
 */
import { EventEmitter } from "node:events";
import { expect, test } from "bun:test";
import { dashboardPossible } from "../../src/controller/dashboard/index.ts";
import { DashboardModel, type DashboardInfo } from "../../src/controller/dashboard/model.ts";
import { openScreen } from "../../src/controller/dashboard/screen.ts";
import { renderView } from "../../src/controller/dashboard/view.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { liveGauges } from "../../src/server-metrics/live.ts";
import { LiveStats, RING } from "../../src/services/records/live.ts";

const MS = 1e6;

function record(i: number, over: Partial<RequestRecord> = {}): RequestRecord {
  const start = 1_000 * MS + i * MS;
  // TTFT 10 + i % 10 ms, then 9 more chunks 2 ms apart: ITL 2 ms over 10 tokens.
  const first = start + (10 + (i % 10)) * MS;
  return {
    phase: "profiling",
    sessionNum: i,
    startNs: start,
    intendedNs: start - 0.5 * MS,
    endNs: first + 18 * MS,
    responseNs: Array.from({ length: 10 }, (_, k) => first + k * 2 * MS),
    outputTokens: 10,
    reasoningTokens: null,
    inputTokens: 5,
    error: null,
    wasCancelled: false,
    cancellationNs: null,
    ackNs: start + MS,
    ...over,
  } as RequestRecord;
}

test("live sampler: counts since the start, percentiles over the last RING requests, bounded error kinds", () => {
  const live = new LiveStats(true);
  for (let i = 0; i < RING + 500; i++) live.add(record(i));
  for (let i = 0; i < 30; i++) live.add(record(i, { error: { code: 500, type: `Kind${i % 12}`, message: "x" }, responseNs: [] }));
  const s = live.snapshot();
  expect(s.records).toBe(RING + 530);
  expect(s.ok).toBe(RING + 500);
  expect(s.failed).toBe(30);
  expect(s.outputTokens).toBe((RING + 500) * 10);
  expect(s.window).toBe(RING);
  expect(s.ttftMs?.p50).toBeGreaterThanOrEqual(10);
  expect(s.ttftMs?.p99).toBe(19);
  expect(s.itlMs?.p50).toBeCloseTo(2, 6);
  expect(s.latencyMs?.p50).toBeGreaterThan(s.ttftMs?.p50 as number);
  expect(s.sendLagMs?.p99).toBeCloseTo(0.5, 6);
  expect(s.sendLagMs?.mean).toBeCloseTo(0.5, 6);
  // 12 kinds arrived: 8 are kept by name, the rest counted as "other"; the total is intact.
  expect(s.errors.length).toBe(9);
  expect(s.errors.reduce((n, [, c]) => n + c, 0)).toBe(30);
  expect(s.errors.map(([k]) => k)).toContain("other");
});

test("live sampler: no TTFT or ITL without streaming; nothing at all before the first record", () => {
  const live = new LiveStats(false);
  expect(live.snapshot().latencyMs).toBeUndefined();
  live.add(record(1));
  const s = live.snapshot();
  expect(s.ttftMs).toBeUndefined();
  expect(s.itlMs).toBeUndefined();
  expect(s.latencyMs?.p50).toBeCloseTo(11 + 18, 6);
});

test("live sampler: a closed loop's start-up fill and failed requests stay out of the send lag; a slot's freeing counts as its start", () => {
  const live = new LiveStats(true, 4);
  // The fill: four credits, 20 ms late each; then requests 0.5 ms late, one whose slot freed 0.4 ms after its intended time.
  for (let i = 0; i < 4; i++) live.add(record(i, { intendedNs: record(i).startNs - 20 * MS }));
  for (let i = 4; i < 8; i++) live.add(record(i));
  live.add(record(8, { readyNs: record(8).startNs - 0.1 * MS }));
  live.add(record(9, { intendedNs: record(9).startNs - 30 * MS, error: { code: 500, type: "Boom", message: "x" }, responseNs: [] }));
  const lag = live.snapshot().sendLagMs;
  expect(lag?.p99).toBeCloseTo(0.5, 6);
  expect(lag?.mean).toBeCloseTo((4 * 0.5 + 0.1) / 5, 6);
});

const info: DashboardInfo = {
  model: "mock-model",
  target: "http://127.0.0.1:8000/v1/chat/completions",
  load: "concurrency 4",
  sendLagBoundMs: 1,
  loopLagBoundMs: 5,
  closedLoop: true,
  serverMetrics: false,
  gpuTelemetry: false,
};

/** A model 10 s into a 500-request profiling phase at ~40 req/s. */
function runningModel(over: Partial<DashboardInfo> = {}): { m: DashboardModel; now: number } {
  const m = new DashboardModel({ ...info, ...over }, 0);
  m.phaseStarted({ phase: "profiling", startNs: 0, startWallNs: 0, total: 500 }, 2_000);
  const live = new LiveStats(true);
  let now = 2_000;
  for (let t = 1; t <= 20; t++) {
    now = 2_000 + t * 500;
    for (let i = 0; i < 20; i++) live.add(record(t * 20 + i));
    m.progress({ phase: "profiling", sent: t * 20 + 4, completed: t * 20, total: 500 }, now);
    m.recordsLive(live.snapshot(), now);
    m.recordsProgress({ processed: t * 20 });
  }
  m.health = [
    { name: "worker:0", lateMs: 2 },
    { name: "worker:1", lateMs: 3 },
    { name: "record-processor:0", lateMs: 1 },
    { name: "records:0", lateMs: 0 },
  ];
  return { m, now };
}

test("model: rates, ETA by count, ETA by the clock for a duration, the verdict as it forms", () => {
  const { m, now } = runningModel();
  expect(m.rates().requests).toBeCloseTo(40, 0);
  expect(m.rates().tokens).toBeCloseTo(400, 0);
  // 100 left at 40/s.
  expect(m.etaSec(now)).toBeCloseTo(2.5, 1);
  expect(m.fraction(now)).toBeCloseTo(0.8, 5);
  expect(m.verdict().state).toBe("ok");
  m.health.push({ name: "worker:2", lateMs: 40 });
  expect(m.verdict()).toEqual({ state: "at risk", why: expect.stringContaining("1 worker event loop(s) held > 5 ms") });

  const d = new DashboardModel({ ...info }, 0);
  d.phaseStarted({ phase: "profiling", startNs: 0, startWallNs: 0, durationSec: 60 }, 1_000);
  expect(d.etaSec(16_000)).toBe(45);
  expect(d.fraction(16_000)).toBeCloseTo(0.25, 5);
  expect(d.verdict().state).toBe("waiting");
});

test("model: with a rate, the live send-lag bound is at least a tenth of the asked median gap, as the final verdict's", () => {
  // The recorded sends' p99 is 0.5 ms: over a 0.1 ms flag, but within a tenth of 20 ms gaps (50/s).
  const rated = { closedLoop: false, sendLagBoundMs: 0.1 };
  expect(runningModel({ ...rated, gapMs: 20 }).m.verdict()).toEqual({ state: "ok", why: "send lag p99 0.500 ms ≤ 2.00 ms" });
  expect(runningModel({ ...rated, gapMs: 2 }).m.verdict().state).toBe("at risk");
});

test("model: a closed loop is judged on its mean send lag, by default against a share of the median latency, as the final verdict", () => {
  // Sends 0.5 ms after their slot freed, requests of ~38 ms: 5 % of the latency is 1.9 ms, capped at 1 ms.
  expect(runningModel({ sendLagBoundMs: undefined }).m.verdict()).toEqual({ state: "ok", why: "send lag mean 0.500 ms ≤ 1.00 ms" });
  // A bound given replaces the default: 0.1 ms, raised to 1 % of the latency (0.38 ms), and 0.5 ms is over it.
  expect(runningModel({ sendLagBoundMs: 0.1 }).m.verdict()).toEqual({ state: "at risk", why: expect.stringMatching(/^send lag mean 0\.500 ms > 0\.3\d+ ms$/) });
});

test("view: exactly the terminal's rows, no line past its columns, the numbers a person checks", () => {
  const { m, now } = runningModel();
  const log = Array.from({ length: 30 }, (_, i) => `log line ${i} ${"x".repeat(150)}`);
  for (const [cols, rows] of [
    [80, 24],
    [120, 40],
    [60, 16],
  ] as const) {
    const lines = renderView(m, cols, rows, now, log);
    expect(lines.length).toBe(rows);
    for (const l of lines) expect([...l.text].length).toBeLessThanOrEqual(cols);
    const text = lines.map((l) => l.text).join("\n");
    expect(text).toContain("sent 404  done 400  in flight 4  failed 0");
    expect(text).toMatch(/Time to first token\s+\d+\.?\d*\s+\d+\.?\d*\s+\d+/);
    expect(text).toContain("Ctrl-C");
    if (rows >= 24) {
      expect(text).toMatch(/40\.0 req\/s now/);
      expect(text).toContain("ETA 00:03");
      expect(text).toContain("80%");
      expect(text).toContain("loop lag (ms) worker×2 3 · rec-proc 1");
      expect(text).toContain("Verdict     forming: client keeps up");
      expect(text).toContain("log line 29");
    }
    if (rows >= 40) expect(text).toContain("History");
    if (rows >= 24) expect(text).toContain("Telemetry   server metrics off · GPU telemetry off");
  }
});

/** A fake terminal stream: what is written, and a size. */
function fakeTty(cols: number, rows: number): { out: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const out = Object.assign(new EventEmitter(), { isTTY: true, columns: cols, rows, fd: 99 });
  (out as unknown as { write: (s: string) => boolean }).write = (s: string) => ((text += s), true);
  return { out: out as unknown as NodeJS.WriteStream, text: () => text };
}

test("screen: alternate screen, frames in synchronized output, other writes held and replayed at close", () => {
  const t = fakeTty(80, 24);
  const original = t.out.write;
  const screen = openScreen(t.out);
  expect(t.text()).toContain("\x1b[?1049h\x1b[?25l");
  screen.draw([{ text: "hello", style: "title" }, { text: "world" }]);
  const frame = t.text();
  expect(frame).toContain("\x1b[?2026h\x1b[1;1H\x1b[7mhello");
  expect(frame).toContain("\x1b[2;1Hworld\x1b[K");
  expect(frame.endsWith("\x1b[?2026l")).toBe(true);
  // The same frame again writes nothing.
  screen.draw([{ text: "hello", style: "title" }, { text: "world" }]);
  expect(t.text()).toBe(frame);
  // A log line written meanwhile does not reach the terminal; the panel gets its text.
  t.out.write("\x1b[33m WARN \x1b[39m something happened\n");
  expect(t.text()).toBe(frame);
  expect(screen.log()).toEqual([" WARN  something happened"]);
  screen.close();
  const after = t.text().slice(frame.length);
  expect(after.startsWith("\x1b[?2026l\x1b[0m\x1b[?25h\x1b[?1049l")).toBe(true);
  expect(after).toContain("\x1b[33m WARN \x1b[39m something happened\n");
  expect(t.out.write).toBe(original);
  screen.close();
});

test("the dashboard draws only on a terminal, without NO_COLOR, and not on TERM=dumb", () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  expect(dashboardPossible(tty, { TERM: "xterm-256color" })).toBe(true);
  expect(dashboardPossible({ isTTY: false } as unknown as NodeJS.WriteStream, {})).toBe(false);
  expect(dashboardPossible(tty, { NO_COLOR: "1" })).toBe(false);
  expect(dashboardPossible(tty, { TERM: "dumb" })).toBe(false);
});

test("view: the collectors' live gauges, one line on 80×24, a line per GPU when taller", () => {
  const { m, now } = runningModel();
  m.info.serverMetrics = true;
  m.info.gpuTelemetry = true;
  m.serverLive = { endpoints: [{ url: "http://h/metrics", kvCachePct: 12.5, running: 7, waiting: 2 }] };
  m.gpuLive = {
    gpus: [
      { index: 0, powerW: 301.4, utilPct: 87, memUsedGb: 40.2, tempC: 61 },
      { index: 1, powerW: 250 },
    ],
  };
  const small = renderView(m, 80, 24, now, []).map((l) => l.text);
  expect(small.find((l) => l.startsWith(" Telemetry"))).toStartWith(" Telemetry   server KV cache 12.5 %, running 7, waiting 2 · GPU0 301 W 87.0 %");
  const big = renderView(m, 120, 40, now, []).map((l) => l.text);
  const at = big.findIndex((l) => l.startsWith(" Telemetry"));
  expect(big[at + 1]).toBe("             GPU0 301 W 87.0 % 40.2 GB 61 °C");
  expect(big[at + 2]).toBe("             GPU1 250 W");
});

test("server gauges from a stored scrape: the first matching name, fractions as percentages", () => {
  const metricsJson = JSON.stringify({
    "vllm:gpu_cache_usage_perc": [{ value: 0.25 }],
    "vllm:num_requests_running": [{ value: 3 }, { value: 4 }],
    other: [{ value: 1 }],
  });
  expect(liveGauges({ timestampNs: 0, latencyNs: 0, metricsJson })).toEqual({ kvCachePct: 25, running: 7 });
  expect(liveGauges(undefined)).toEqual({});
});
