import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EndpointSummary } from "../../src/server-metrics/summarize.ts";
import { ROOT } from "../process/helpers.ts";

const BINARY = join(ROOT, "dist", "aiperf");

async function mockServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const proc = Bun.spawn([BINARY, "mock-server", "--port", "0", "--ttft", "20", "--itl", "2"], { stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let text = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mock server ended: ${text}`);
    text += new TextDecoder().decode(value);
    url = /listening on (\S+)/.exec(text)?.[1];
  }
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
  return { url, stop: async () => void (proc.kill("SIGTERM"), await proc.exited) };
}

async function profile(url: string, flags: string[]): Promise<{ code: number; out: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-sm-e2e-"));
  const proc = Bun.spawn([BINARY, "profile", "-m", "mock-model", "-u", url, "--artifact-dir", join(dir, "out"), "--ui", "none", "--random-seed", "1", ...flags], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err, dir: join(dir, "out") };
}

let server: { url: string; stop(): Promise<void> };
beforeAll(async () => {
  if (!existsSync(BINARY)) expect(Bun.spawnSync([process.execPath, "run", "build"], { cwd: ROOT }).exitCode).toBe(0);
  server = await mockServer();
}, 120_000);
afterAll(() => server?.stop());

describe("server metrics (compiled binary against its mock server)", () => {
  test("the mock's /metrics is scraped; deltas cover the profiling phase only", async () => {
    const r = await profile(server.url, ["--streaming", "--warmup-request-count", "3", "--request-count", "12", "--concurrency", "3", "--osl", "8", "--isl", "32", "--server-metrics", "127.0.0.1:9"]);
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
    const lines = readFileSync(join(r.dir, "server_metrics_export.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { endpoint_url: string; timestamp_ns: number; metrics: Record<string, unknown> });
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
