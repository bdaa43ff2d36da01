import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wallNs } from "../../src/core/clock.ts";
import type { EndpointSummary } from "../../src/server-metrics/summarize.ts";
import type { ServerMetricsResult } from "../../src/protocol/server-metrics-config.ts";
import { run } from "../../src/services/server-metrics/index.ts";
import { fakeService } from "../worker/fake-context.ts";

/** A vLLM-like server whose numbers the test moves. */
const state = { success: 5, running: 1, kv: 0.1, ttft: [] as number[] };
const BOUNDS = [0.01, 0.1, 1];
function exposition(): string {
  const m = 'model_name="m"';
  const buckets = BOUNDS.map((b) => `vllm:time_to_first_token_seconds_bucket{le="${b}",${m}} ${state.ttft.filter((t) => t <= b).length}`);
  return [
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running{${m}} ${state.running}`,
    "# TYPE vllm:gpu_cache_usage_perc gauge",
    `vllm:gpu_cache_usage_perc{${m}} ${state.kv}`,
    "# TYPE vllm:request_success_total counter",
    `vllm:request_success_total{${m}} ${state.success}`,
    "# TYPE vllm:request_success_created gauge",
    `vllm:request_success_created{${m}} 1.7e9`,
    "# TYPE vllm:time_to_first_token_seconds histogram",
    ...buckets,
    `vllm:time_to_first_token_seconds_bucket{le="+Inf",${m}} ${state.ttft.length}`,
    `vllm:time_to_first_token_seconds_sum{${m}} ${state.ttft.reduce((a, b) => a + b, 0)}`,
    `vllm:time_to_first_token_seconds_count{${m}} ${state.ttft.length}`,
    "",
  ].join("\n");
}

const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(exposition()) });
// Accepts and never answers: only the per-request timeout ends these scrapes.
const stalled = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
afterAll(() => {
  server.stop(true);
  stalled.stop(true);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("scrapes in the background, windows the profiling phase and writes the three files", async () => {
  const fake = fakeService("server-metrics", "0");
  const stopped = run(fake.ctx);
  const dir = join(mkdtempSync(join(tmpdir(), "aiperf-sm-")), "out");
  const url = `http://127.0.0.1:${server.port}/metrics`;
  const stalledUrl = `http://127.0.0.1:${stalled.port}/metrics`;
  await fake.call("configure", { urls: [url, stalledUrl], intervalMs: 20, timeoutMs: 60, artifactDir: dir });
  await sleep(120); // warmup-time snapshots, identical: deduplicated in the JSONL

  const startNs = wallNs();
  fake.broadcast("phase_start", { phase: "profiling", startWallNs: startNs });
  await sleep(60);
  state.running = 4;
  state.kv = 0.5;
  state.success = 15;
  state.ttft.push(0.005, 0.05, 0.05, 0.5);
  await sleep(80);
  state.running = 2;
  await sleep(80);
  const endNs = wallNs();
  const result = await fake.call<ServerMetricsResult>("finalize", { profilingStartWallNs: startNs, profilingEndWallNs: endNs });

  const json = JSON.parse(readFileSync(join(dir, "server_metrics_export.json"), "utf8")) as { endpoints: EndpointSummary[] };
  const [live, dead] = json.endpoints;
  expect(live?.endpoint_url).toBe(url);
  const metric = (name: string) => live?.metrics[name]?.series[0];
  expect(metric("vllm:request_success_total")).toMatchObject({ start: 5, end: 15, delta: 10 });
  expect(live?.metrics["vllm:request_success_created"]).toBeUndefined();
  const running = metric("vllm:num_requests_running")?.stats;
  expect(running?.min).toBeGreaterThanOrEqual(1);
  expect(running?.max).toBe(4);
  expect(running?.count).toBeGreaterThan(3);
  const ttft = metric("vllm:time_to_first_token_seconds");
  expect(ttft?.count_delta).toBe(4);
  expect(ttft?.mean).toBeCloseTo(0.605 / 4, 10);
  expect(ttft?.buckets).toEqual({ "0.01": 1, "0.1": 3, "1": 4, "+Inf": 4 });
  expect(ttft?.estimated_percentiles?.p50).toBeGreaterThan(0.01);
  expect(ttft?.estimated_percentiles?.p50).toBeLessThanOrEqual(0.1);

  // The stalled endpoint costs only itself: counted, warned about once.
  expect(dead?.snapshots).toBe(0);
  expect(dead?.scrape_errors).toBeGreaterThan(0);
  expect(fake.lines.filter((l) => l.includes(stalledUrl)).length).toBe(1);

  const lines = readFileSync(join(dir, "server_metrics_export.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThanOrEqual(3);
  expect(lines.length).toBeLessThan(live?.snapshots ?? 0);
  expect(Object.keys(lines[0])).toEqual(["endpoint_url", "timestamp_ns", "endpoint_latency_ns", "metrics"]);
  expect(lines[0].metrics["vllm:num_requests_running"]).toEqual([{ labels: { model_name: "m" }, value: 1 }]);
  expect(lines.at(-1).metrics["vllm:time_to_first_token_seconds"][0]).toMatchObject({ count: 4, histogram: { "+Inf": 4 } });
  // A run of identical snapshots keeps only its first and last line: never three equal lines in a row.
  for (let i = 2; i < lines.length; i++)
    expect(
      JSON.stringify(lines[i].metrics) === JSON.stringify(lines[i - 1].metrics) &&
        JSON.stringify(lines[i - 1].metrics) === JSON.stringify(lines[i - 2].metrics),
    ).toBe(false);

  const csv = readFileSync(join(dir, "server_metrics_export.csv"), "utf8");
  expect(csv.startsWith("Endpoint,Metric,Type,Labels,Stat,Value\r\n")).toBe(true);
  expect(csv).toContain(`${url},vllm:request_success_total,counter,model_name=m,delta,10\r\n`);
  expect(csv).toContain("vllm:time_to_first_token_seconds,histogram,model_name=m,count_delta,4");

  expect(result.files.map((f) => f.split("/").at(-1)).sort()).toEqual([
    "server_metrics_export.csv",
    "server_metrics_export.json",
    "server_metrics_export.jsonl",
  ]);
  expect(result.consoleText).toContain("KV-cache usage");
  expect(result.consoleText).toMatch(/Requests finished\s+10 /);
  expect(result.consoleText).toContain("Server TTFT (ms)");
  fake.stop();
  await stopped;
});

test("finalize without configure returns nothing and does not throw", async () => {
  const fake = fakeService("server-metrics", "1");
  const stopped = run(fake.ctx);
  expect(await fake.call<ServerMetricsResult>("finalize", {})).toEqual({ consoleText: "", files: [] });
  fake.stop();
  await stopped;
});
