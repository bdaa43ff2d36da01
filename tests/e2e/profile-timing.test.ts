/** Load modes through the compiled binary: fixed schedule (timestamped mooncake trace), gamma arrivals, user-centric rate, prefill ceiling, warmup sessions, unlimited grace, rate series. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProfile, useMockServer, readExport, readRecords } from "./support.ts";

type Meta = { x_correlation_id: string; turn_index: number; request_start_ns: number; benchmark_phase: string };

const dir = mkdtempSync(join(tmpdir(), "aiperf-timing-e2e-"));
/** Four requests 300 ms apart on the trace clock, which starts at 1000 ms. */
const TRACE = join(dir, "trace.jsonl");
writeFileSync(TRACE, [1000, 1300, 1600, 1900].map((ts) => JSON.stringify({ timestamp: ts, input_length: 20, output_length: 4 })).join("\n") + "\n");

function records(outDir: string): Meta[] {
  return readRecords<{ metadata: Meta }>(outDir).map((r) => r.metadata);
}

function inputConfig(outDir: string): Record<string, unknown> {
  // Our flat resolved config (input_config has upstream's nested shape).
  return readExport<{ resolved_config: Record<string, unknown> }>(outDir).resolved_config;
}

const startsMs = (metas: Meta[]): number[] => metas.map((m) => m.request_start_ns / 1e6).sort((a, b) => a - b);

const mock = useMockServer(["--ttft", "5", "--itl", "1", "--osl", "4"]);

describe("aiperf profile load modes (compiled)", () => {
  test("a timestamped mooncake trace is replayed on its schedule, never early; offsets cut it", async () => {
    const r = await runProfile(mock.url, [
      "--input-file",
      TRACE,
      "--custom-dataset-type",
      "mooncake_trace",
      "--fixed-schedule-auto-offset",
      "--tokenizer",
      "builtin",
    ]);
    expect(r.code).toBe(0);
    const starts = startsMs(records(r.dir));
    expect(starts).toHaveLength(4);
    // Meant for 0, 300, 600, 900 ms on the schedule (start − send lag = the intended time, to the
    // microsecond), and never sent early; how late a busy machine sends is not this test's business.
    const sent = readRecords<{ metadata: Meta; metrics: { send_lag: { value: number } } }>(r.dir)
      .map((x) => ({ startMs: x.metadata.request_start_ns / 1e6, lagMs: x.metrics.send_lag.value }))
      .sort((a, b) => a.startMs - b.startMs);
    for (const x of sent) expect(x.lagMs).toBeGreaterThanOrEqual(0);
    const intended = sent.map((x) => x.startMs - x.lagMs);
    for (let k = 1; k < 4; k++) expect(Math.abs((intended[k] as number) - (intended[0] as number) - k * 300)).toBeLessThan(1);
    expect(inputConfig(r.dir)).toMatchObject({ fixedSchedule: true, fixedScheduleAuto: true });

    const cut = await runProfile(mock.url, [
      "--input-file",
      TRACE,
      "--custom-dataset-type",
      "mooncake_trace",
      "--tokenizer",
      "builtin",
      "--fixed-schedule-start-offset",
      "1300",
      "--fixed-schedule-end-offset",
      "1600",
      "--concurrency",
      "1",
    ]);
    expect(cut.code).toBe(0);
    const cutStarts = startsMs(records(cut.dir));
    expect(cutStarts).toHaveLength(2);
    expect((cutStarts[1] as number) - (cutStarts[0] as number)).toBeGreaterThanOrEqual(250);
  }, 120_000);

  test("--no-fixed-schedule replays the same trace as a closed loop, and offsets are then refused", async () => {
    const r = await runProfile(mock.url, ["--input-file", TRACE, "--custom-dataset-type", "mooncake_trace", "--no-fixed-schedule", "--tokenizer", "builtin"]);
    expect(r.code).toBe(0);
    expect(records(r.dir)).toHaveLength(4);
    expect(inputConfig(r.dir)).toMatchObject({ fixedSchedule: false, rateMode: "concurrency_burst", concurrency: 1 });
    const bad = await runProfile(mock.url, [
      "--input-file",
      TRACE,
      "--custom-dataset-type",
      "mooncake_trace",
      "--no-fixed-schedule",
      "--fixed-schedule-start-offset",
      "5",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("--fixed-schedule-start-offset needs a fixed schedule");
  }, 120_000);

  test("--fixed-schedule on a file with an untimed entry stops before any request, naming the rule", async () => {
    const file = join(dir, "partly-timed.jsonl");
    writeFileSync(file, '{"text": "hello there", "timestamp": 0}\n{"text": "no stamp"}\n');
    const r = await runProfile(mock.url, ["--input-file", file, "--fixed-schedule", "--tokenizer", "builtin"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('--fixed-schedule needs a "timestamp" on every entry');
    expect(r.out).toContain("1 of its 2 conversations starts without one");
  }, 120_000);

  test("gamma arrivals: --arrival-smoothness implies gamma and the run completes its count", async () => {
    const r = await runProfile(mock.url, [
      "--request-rate",
      "50",
      "--arrival-smoothness",
      "4",
      "--request-count",
      "25",
      "--isl",
      "16",
      "--tokenizer",
      "builtin",
    ]);
    expect(r.code).toBe(0);
    expect(records(r.dir)).toHaveLength(25);
    expect(inputConfig(r.dir)).toMatchObject({ rateMode: "gamma", arrivalSmoothness: 4 });
  }, 120_000);

  test("user-centric: each user's turns are at least users/rate apart, in order, in one session", async () => {
    const r = await runProfile(mock.url, [
      "--user-centric-rate",
      "20",
      "--num-users",
      "2",
      "--session-turns-mean",
      "3",
      "--request-count",
      "12",
      "--isl",
      "16",
      "--tokenizer",
      "builtin",
    ]);
    expect(r.code).toBe(0);
    const metas = records(r.dir);
    expect(metas).toHaveLength(12);
    const sessions = new Map<string, Meta[]>();
    for (const m of metas) sessions.set(m.x_correlation_id, [...(sessions.get(m.x_correlation_id) ?? []), m]);
    expect(sessions.size).toBeGreaterThanOrEqual(4);
    for (const turns of sessions.values()) {
      turns.sort((a, b) => a.turn_index - b.turn_index);
      expect(turns.map((t) => t.turn_index)).toEqual(Array.from({ length: turns.length }, (_, k) => k));
      // Turn gap = 2 users / 20 per s = 100 ms; slack for the previous turn leaving late on a busy
      // machine (back to back, the mock's 10 ms replies would put turns ~10 ms apart).
      for (let k = 1; k < turns.length; k++)
        expect(((turns[k] as Meta).request_start_ns - (turns[k - 1] as Meta).request_start_ns) / 1e6).toBeGreaterThanOrEqual(50);
    }
  }, 120_000);

  test("warmup by duration runs first and its records stay out of the results", async () => {
    const r = await runProfile(mock.url, [
      "--warmup-duration",
      "0.5",
      "--warmup-concurrency",
      "2",
      "--concurrency",
      "1",
      "--request-count",
      "5",
      "--isl",
      "16",
      "--tokenizer",
      "builtin",
    ]);
    expect(r.code).toBe(0);
    const metas = records(r.dir);
    expect(metas).toHaveLength(5);
    expect(metas.every((m) => m.benchmark_phase === "profiling")).toBe(true);
  }, 120_000);

  test("--prefill-concurrency 1: the server never holds two requests before their first token", async () => {
    let waitingFirst = 0;
    let maxWaitingFirst = 0;
    let open = 0;
    let maxOpen = 0;
    let requests = 0;
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content } }] })}\n\n`;
    const server = Bun.serve({
      port: 0,
      fetch(req) {
        if (req.method !== "POST") return new Response("not found", { status: 404 });
        requests++;
        maxWaitingFirst = Math.max(maxWaitingFirst, ++waitingFirst);
        maxOpen = Math.max(maxOpen, ++open);
        const body = new ReadableStream({
          async start(c) {
            await Bun.sleep(40);
            waitingFirst--;
            c.enqueue(new TextEncoder().encode(chunk("first ")));
            await Bun.sleep(250);
            c.enqueue(new TextEncoder().encode(`${chunk("second")}data: [DONE]\n\n`));
            open--;
            c.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
    });
    try {
      const r = await runProfile(`http://127.0.0.1:${server.port}`, [
        "--streaming",
        "--concurrency",
        "4",
        "--prefill-concurrency",
        "1",
        "--request-count",
        "8",
        "--isl",
        "16",
        "--tokenizer",
        "builtin",
      ]);
      expect(r.code).toBe(0);
      expect(requests).toBe(8);
      expect(maxWaitingFirst).toBe(1);
      // A first token frees the prefill slot while the request is still streaming.
      expect(maxOpen).toBeGreaterThan(1);
    } finally {
      server.stop(true);
    }
  }, 120_000);

  test("--num-warmup-sessions: that many whole sessions go first and stay out of the results", async () => {
    const byId = new Map<string, number>();
    const server = Bun.serve({
      port: 0,
      async fetch(req) {
        if (req.method !== "POST") return new Response("not found", { status: 404 });
        const id = req.headers.get("x-correlation-id") ?? "";
        byId.set(id, (byId.get(id) ?? 0) + 1);
        await Bun.sleep(5);
        const message = { role: "assistant", content: "ok then" };
        return Response.json({ id: "c", object: "chat.completion", model: "m", choices: [{ index: 0, message, finish_reason: "stop" }] });
      },
    });
    try {
      const r = await runProfile(`http://127.0.0.1:${server.port}`, [
        "--num-warmup-sessions",
        "2",
        "--session-turns-mean",
        "3",
        "--concurrency",
        "2",
        "--request-count",
        "4",
        "--isl",
        "16",
        "--tokenizer",
        "builtin",
      ]);
      expect(r.code).toBe(0);
      const metas = records(r.dir);
      expect(metas).toHaveLength(4);
      expect(metas.every((m) => m.benchmark_phase === "profiling")).toBe(true);
      const profilingIds = new Set(metas.map((m) => m.x_correlation_id));
      const warmupCounts = [...byId].filter(([id]) => !profilingIds.has(id)).map(([, n]) => n);
      expect(warmupCounts).toEqual([3, 3]);
    } finally {
      server.stop(true);
    }
  }, 120_000);

  test("--benchmark-grace-period inf waits for every reply (at 0 the late ones are cut, as cancelled records); user-centric duration runs wait by default", async () => {
    let requests = 0;
    const server = Bun.serve({
      port: 0,
      async fetch(req) {
        if (req.method !== "POST") return new Response("not found", { status: 404 });
        requests++;
        await Bun.sleep(1200);
        const message = { role: "assistant", content: "ok then" };
        return Response.json({ id: "c", object: "chat.completion", model: "m", choices: [{ index: 0, message, finish_reason: "stop" }] });
      },
    });
    const url = `http://127.0.0.1:${server.port}`;
    const common = ["--benchmark-duration", "1", "--isl", "16", "--tokenizer", "builtin"];
    // Every request the server got, and the records kept of them.
    const run = async (flags: string[], code = 0): Promise<{ sent: number; kept: number; cancelled: number }> => {
      requests = 0;
      const r = await runProfile(url, [...common, ...flags]);
      expect(r.code).toBe(code);
      const records = readRecords(r.dir);
      return {
        sent: requests,
        kept: records.length,
        cancelled: records.filter((l) => l.metadata.was_cancelled && l.error?.type === "RequestCancellationError").length,
      };
    };
    try {
      // Two at a time, 1.2 s each: every reply ends after the 1 s window.
      // Cut at the window's end, each is a cancelled record; none was answered, so exit 1 (every request failed).
      const cut = await run(["--concurrency", "2", "--benchmark-grace-period", "0"], 1);
      expect(cut.kept).toBe(cut.sent);
      expect(cut.cancelled).toBe(cut.sent);
      const all = await run(["--concurrency", "2", "--benchmark-grace-period", "inf"]);
      expect(all.sent).toBeGreaterThanOrEqual(2);
      expect(all.kept).toBe(all.sent);
      const users = await run(["--user-centric-rate", "4", "--num-users", "2", "--session-turns-mean", "2"]);
      expect(users.sent).toBeGreaterThanOrEqual(3);
      expect(users.kept).toBe(users.sent);
    } finally {
      server.stop(true);
    }
  }, 120_000);

  test("--request-rate-series paces the run by the file's rate; a bad file stops it before any request, naming the rule", async () => {
    const series = join(dir, "series.json");
    writeFileSync(
      series,
      JSON.stringify({
        points: [
          { time_s: 0, qps: 10 },
          { time_s: 0.5, qps: 10 },
        ],
      }),
    );
    const r = await runProfile(mock.url, [
      "--request-rate-series",
      series,
      "--arrival-pattern",
      "constant",
      "--request-count",
      "5",
      "--isl",
      "16",
      "--tokenizer",
      "builtin",
    ]);
    expect(r.code).toBe(0);
    const starts = startsMs(records(r.dir));
    expect(starts).toHaveLength(5);
    // 10 per second: 100 ms apart, never early (slack for a late first send).
    expect((starts[4] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(350);
    expect(inputConfig(r.dir)).toMatchObject({ rateMode: "constant", requestRateSeries: series });
    const badFile = join(dir, "bad-series.json");
    writeFileSync(badFile, JSON.stringify({ points: [{ time_s: 0, qps: -1 }] }));
    const bad = await runProfile(mock.url, ["--request-rate-series", badFile]);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("for --request-rate-series: the file points[0].qps must be a number greater than 0");
  }, 120_000);
});
