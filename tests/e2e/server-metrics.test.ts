import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EndpointSummary } from "../../src/server-metrics/summarize.ts";
import { runProfile as profile, useMockServer } from "./support.ts";

const server = useMockServer(["--ttft", "20", "--itl", "2"]);

describe("server metrics (compiled binary against its mock server)", () => {
  test("the mock's /metrics is scraped; deltas cover the profiling phase only", async () => {
    const r = await profile(server.url, [
      "--streaming",
      "--warmup-request-count",
      "3",
      "--request-count",
      "12",
      "--concurrency",
      "3",
      "--osl",
      "8",
      "--isl",
      "32",
      "--server-metrics",
      "127.0.0.1:9",
    ]);
    expect(r.code).toBe(0);
    for (const f of ["server_metrics_export.json", "server_metrics_export.csv", "server_metrics_export.jsonl"]) expect(existsSync(join(r.dir, f))).toBe(true);
    const { endpoints } = JSON.parse(readFileSync(join(r.dir, "server_metrics_export.json"), "utf8")) as { endpoints: EndpointSummary[] };
    const [mock, dead] = endpoints;
    expect(mock?.endpoint_url).toBe(`${server.url}/metrics`);
    const requests = mock?.metrics.aiperf_mock_requests_total?.series.find((s) => s.labels?.endpoint === "chat" && s.labels.status === "200");
    expect(requests?.delta).toBe(12); // the 3 warmup requests finished before the baseline
    expect(mock?.metrics.aiperf_mock_time_to_first_token_seconds?.series[0]?.count_delta).toBe(12);
    expect(mock?.metrics.aiperf_mock_generation_tokens_total?.series[0]?.delta).toBe(12 * 8);
    expect(mock?.metrics.aiperf_mock_kv_cache_usage_perc?.series[0]?.stats?.max).toBeLessThanOrEqual(3 / 256);
    // An extra endpoint that is down costs nothing but its own entry.
    expect(dead?.endpoint_url).toBe("http://127.0.0.1:9/metrics");
    expect(dead?.snapshots).toBe(0);
    expect(dead?.scrape_errors).toBeGreaterThan(0);

    const csv = readFileSync(join(r.dir, "server_metrics_export.csv"), "utf8");
    expect(csv).toContain(`${server.url}/metrics,aiperf_mock_requests_total,counter,endpoint=chat;status=200,delta,12\r\n`);
    const lines = readFileSync(join(r.dir, "server_metrics_export.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { endpoint_url: string; timestamp_ns: number; metrics: Record<string, unknown> });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.endpoint_url === `${server.url}/metrics` && l.timestamp_ns > 1e18 && "aiperf_mock_requests_in_flight" in l.metrics)).toBe(true);
    expect(r.out).toContain(`Server metrics: ${server.url}/metrics`);
    expect(r.out).toMatch(/Requests finished\s+12 /);
  }, 60_000);

  test("--no-server-metrics scrapes nothing", async () => {
    const r = await profile(server.url, ["--request-count", "3", "--no-server-metrics"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(r.dir, "server_metrics_export.json"))).toBe(false);
    expect(existsSync(join(r.dir, "server_metrics_export.jsonl"))).toBe(false);
    expect(r.out).not.toContain("Server metrics:");
  }, 60_000);
});
