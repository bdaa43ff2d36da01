/**
 * --reset-kv-cache* and --server-profiler* on the compiled binary against the mock server's vLLM
 * control routes (GET /debug/control lists each call with the inference requests started and
 * finished by then), and the warmup ramp flags seen in outputs.json's request start times.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensureBinary, type MockServer, runProfile, startMockServer } from "./support.ts";

type Call = { path: string; started: number; finished: number; authorization: string | null };

let mock: MockServer;
const dirs: string[] = [];
beforeAll(async () => {
  await ensureBinary();
}, 120_000);
afterAll(() => {
  for (const d of dirs) rmSync(dirname(d), { recursive: true, force: true });
});

/** A fresh mock per run, so its control log and counts are this run's alone. */
async function withMock<T>(flags: string[], body: (url: string) => Promise<T>): Promise<T> {
  mock = await startMockServer(flags);
  try {
    return await body(mock.url);
  } finally {
    await mock.stop();
  }
}
async function controlLog(url: string): Promise<Call[]> {
  return (await (await fetch(`${url}/debug/control`)).json()) as Call[];
}
async function profile(url: string, flags: string[]) {
  const run = await runProfile(url, ["--no-server-metrics", "--no-gpu-telemetry", "--tokenizer", "builtin", "--isl", "16", "--osl", "4", ...flags]);
  dirs.push(run.dir);
  return run;
}
const strip = (calls: Call[]) => calls.map(({ path, started, finished }) => ({ path, started, finished }));

describe("--reset-kv-cache and --server-profiler", () => {
  test("reset once before any request, profiler start after warmup and stop after profiling, with the run's credentials", async () => {
    await withMock([], async (url) => {
      const r = await profile(url, [
        "--no-preflight",
        "--api-key",
        "sk-test",
        "--reset-kv-cache",
        "--server-profiler",
        "--warmup-request-count",
        "4",
        "--request-count",
        "6",
        "--concurrency",
        "2",
      ]);
      expect(r.code).toBe(0);
      const calls = await controlLog(url);
      expect(strip(calls)).toEqual([
        { path: "/reset_prefix_cache", started: 0, finished: 0 },
        { path: "/start_profile", started: 4, finished: 4 },
        { path: "/stop_profile", started: 10, finished: 10 },
      ]);
      expect(calls.every((c) => c.authorization === "Bearer sk-test")).toBe(true);
      expect(r.out).toContain("KV cache reset");
    });
  }, 120_000);

  test("a path or timeout alone turns its hook on; paths go to each --url's host", async () => {
    await withMock([], async (url) => {
      const r = await profile(url, [
        "--no-preflight",
        "--reset-kv-cache-timeout-seconds",
        "5",
        "--server-profiler-stop-path",
        "/stop_profile",
        "--request-count",
        "2",
      ]);
      expect(r.code).toBe(0);
      expect(strip(await controlLog(`${url}`))).toEqual([
        { path: "/reset_prefix_cache", started: 0, finished: 0 },
        { path: "/start_profile", started: 0, finished: 0 },
        { path: "/stop_profile", started: 2, finished: 2 },
      ]);
    });
  }, 120_000);

  test("a refused reset stops the run before any request: exit 1, one message naming the route", async () => {
    await withMock([], async (url) => {
      const r = await profile(url, ["--no-preflight", "--reset-kv-cache-path", "/no_such_route", "--server-profiler", "--request-count", "2"]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`--reset-kv-cache: the KV-cache reset failed, so nothing was sent: POST ${url}/no_such_route answered 404`);
      expect(await controlLog(url)).toEqual([]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).not.toContain('aiperf_mock_requests_total{endpoint="chat"');
    });
  }, 120_000);

  test("a profiler that does not start fails the run after warmup, without profiling: exit 1", async () => {
    await withMock([], async (url) => {
      const r = await profile(url, ["--no-preflight", "--server-profiler-start-path", "/no_such_route", "--warmup-request-count", "3", "--request-count", "5"]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`--server-profiler: the profiler did not start (POST ${url}/no_such_route answered 404`);
      expect(r.out).toContain("so profiling was not run");
      // Nothing started, so nothing is stopped; only the warmup's requests reached the server.
      expect(await controlLog(url)).toEqual([]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('aiperf_mock_requests_total{endpoint="chat",status="200"} 3');
    });
  }, 120_000);

  test("a profiler that does not stop is a warning: the results are written, exit 0", async () => {
    await withMock([], async (url) => {
      const r = await profile(url, ["--no-preflight", "--server-profiler-stop-path", "/no_such_route", "--request-count", "3"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`--server-profiler: stopping the profiler failed: POST ${url}/no_such_route answered 404`);
      expect(strip(await controlLog(url))).toEqual([{ path: "/start_profile", started: 0, finished: 0 }]);
      expect(JSON.parse(readFileSync(join(r.dir, "profile_export_aiperf.json"), "utf8")).request_count.avg).toBe(3);
    });
  }, 120_000);

  test.each([
    [["--reset-kv-cache-path", "http://elsewhere/reset"], "--reset-kv-cache-path"],
    [["--server-profiler-start-path", "start_profile"], "--server-profiler-start-path"],
    [["--server-profiler-timeout-seconds", "0"], "--server-profiler-timeout-seconds"],
  ])(
    "%p is refused before anything starts (exit 2)",
    async (flags, flag) => {
      const r = await profile("http://127.0.0.1:9", flags);
      expect(r.code).toBe(2);
      expect(r.out).toContain(`for ${flag}`);
    },
    60_000,
  );
});

describe("warmup ramps", () => {
  type Out = { request_start_ns: number };
  const starts = (dir: string, key: "data" | "warmup"): number[] =>
    ((JSON.parse(readFileSync(join(dir, "outputs.json"), "utf8")) as Record<string, Out[]>)[key] ?? []).map((o) => o.request_start_ns).sort((a, b) => a - b);

  test("--warmup-concurrency-ramp-duration ramps warmup only: one request at a time at first, profiling starts at full concurrency", async () => {
    await withMock(["--ttft", "300", "--itl", "0"], async (url) => {
      const r = await profile(url, [
        "--no-preflight",
        "--export-outputs-json",
        "--concurrency",
        "4",
        "--warmup-request-count",
        "6",
        "--warmup-concurrency-ramp-duration",
        "2",
        "--request-count",
        "4",
      ]);
      expect(r.code).toBe(0);
      const warm = starts(r.dir, "warmup");
      expect(warm).toHaveLength(6);
      // Ceiling 1 for the first 0.5 s: the second request waits for the first 300 ms reply.
      expect(((warm[1] as number) - (warm[0] as number)) / 1e6).toBeGreaterThan(250);
      const prof = starts(r.dir, "data");
      expect(((prof[3] as number) - (prof[0] as number)) / 1e6).toBeLessThan(200);
    });
  }, 120_000);

  test.each([
    [
      ["--warmup-request-count", "2", "--warmup-request-rate-ramp-duration", "1"],
      "--warmup-request-rate-ramp-duration needs --warmup-request-rate (or --request-rate)",
    ],
    [
      ["--warmup-prefill-concurrency-ramp-duration", "1", "--streaming", "--prefill-concurrency", "1"],
      "--warmup-prefill-concurrency-ramp-duration needs a warmup",
    ],
  ])(
    "%p exits 2 naming the flags",
    async (flags, message) => {
      const r = await profile("http://127.0.0.1:9", flags);
      expect(r.code).toBe(2);
      expect(r.out).toContain(message);
    },
    60_000,
  );

  test("--warmup-request-rate-ramp-duration and --warmup-prefill-concurrency-ramp-duration run", async () => {
    await withMock([], async (url) => {
      const r = await profile(url, [
        "--no-preflight",
        "--streaming",
        "--request-rate",
        "40",
        "--concurrency",
        "4",
        "--prefill-concurrency",
        "2",
        "--warmup-request-count",
        "4",
        "--warmup-request-rate-ramp-duration",
        "0.5",
        "--warmup-prefill-concurrency-ramp-duration",
        "0.5",
        "--request-count",
        "4",
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(readFileSync(join(r.dir, "profile_export_aiperf.json"), "utf8")).request_count.avg).toBe(4);
    });
  }, 120_000);
});
