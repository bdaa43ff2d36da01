// A performance test in a project's own `bun test` suite (README: "Use in bun test").
import { afterAll, beforeAll, expect, test } from "bun:test";
import { checkSla, type MockServerHandle, profile, startMockServer } from "aiperf-bun";

let server: MockServerHandle;
beforeAll(async () => {
  // The built-in mock: 20 ms to the first token, then a token every 2 ms. Use your server's URL instead.
  server = await startMockServer({ ttft: 20, itl: 2, osl: 32 });
});
afterAll(() => server.stop());

test("streaming chat at concurrency 8 meets the SLA", async () => {
  const report = await profile({ model: "mock-model", url: server.url, streaming: true, concurrency: 8, requestCount: 80 });
  expect(report.outcome.ok).toBe(true);
  expect(report.request_count?.avg).toBe(80);
  expect(report.time_to_first_token?.p50).toBeGreaterThanOrEqual(20);
  expect(checkSla(report, { time_to_first_token: { p99: 500 }, inter_token_latency: { p99: 50 }, request_throughput: { min: 10 } })).toEqual([]);
}, 60_000);

test("a run that takes too long is stopped, and reports what it measured", async () => {
  const report = await profile({
    model: "mock-model",
    url: server.url,
    streaming: true,
    concurrency: 2,
    benchmarkDuration: 600,
    signal: AbortSignal.timeout(2_000),
  });
  expect(report.was_cancelled).toBe(true);
  expect(report.outcome.cancelled).toBe(true);
  expect(report.request_count?.avg ?? 0).toBeGreaterThan(0);
}, 60_000);
