import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childrenOf, isAlive, waitUntil } from "../process/helpers.ts";
import { BINARY, onTestTransport, runProfile as profile, startMockServer as mockServer, useMockServer, readExport, readRecords } from "./support.ts";

const exported = (dir: string): Record<string, { avg?: number; unit?: string } & Record<string, unknown>> => readExport(dir);
const jsonlLines = (dir: string): { metadata: Record<string, unknown>; error: unknown }[] => readRecords(dir);

const server = useMockServer(["--ttft", "30", "--itl", "3"]);

describe("aiperf profile (compiled) against the mock server", () => {
  test("streaming chat writes every upstream file and a consistent summary", async () => {
    const r = await profile(server.url, [
      "--streaming",
      "--request-count",
      "40",
      "--concurrency",
      "4",
      "--warmup-request-count",
      "4",
      "--isl",
      "64",
      "--osl",
      "16",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("NVIDIA AIPerf | LLM Metrics");
    expect(r.out).toContain("Time to First Token (ms)");
    for (const f of ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl", "inputs.json", "logs/aiperf.log"])
      expect(existsSync(join(r.dir, f))).toBe(true);
    const json = exported(r.dir);
    expect(json.request_count?.avg).toBe(40);
    expect(json.output_sequence_length?.avg).toBe(16);
    expect(json.input_sequence_length?.avg).toBe(64);
    // The server waits 30 ms before the first token; a measured TTFT can only be later.
    expect(json.time_to_first_token?.min as number).toBeGreaterThanOrEqual(30);
    const lines = jsonlLines(r.dir);
    expect(lines.length).toBe(40);
    expect(lines.every((l) => l.metadata.benchmark_phase === "profiling" && l.error === null)).toBe(true);
    const inputs = JSON.parse(readFileSync(join(r.dir, "inputs.json"), "utf8")) as { data: unknown[] };
    expect(inputs.data.length).toBe(100);
  }, 60_000);

  test("completions streaming", async () => {
    const r = await profile(server.url, ["--endpoint-type", "completions", "--streaming", "--request-count", "10", "--osl", "8", "--isl", "32"]);
    expect(r.code).toBe(0);
    expect(exported(r.dir).request_count?.avg).toBe(10);
    expect(exported(r.dir).output_sequence_length?.avg).toBe(8);
  }, 60_000);

  test("embeddings report latency but no token metrics", async () => {
    const r = await profile(server.url, ["--endpoint-type", "embeddings", "--request-count", "10", "--isl", "16"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("NVIDIA AIPerf | Embeddings Metrics");
    const json = exported(r.dir);
    expect(json.request_latency?.avg as number).toBeGreaterThan(0);
    expect(json.time_to_first_token).toBeUndefined();
    expect(json.output_sequence_length).toBeUndefined();
  }, 60_000);

  test("a duration run stops issuing after the duration and reports what finished", async () => {
    const r = await profile(server.url, ["--streaming", "--benchmark-duration", "2", "--benchmark-grace-period", "2", "--concurrency", "2", "--osl", "8"]);
    expect(r.code).toBe(0);
    const count = exported(r.dir).request_count?.avg as number;
    expect(count).toBeGreaterThan(2);
    expect(jsonlLines(r.dir).length).toBe(count);
  }, 60_000);

  test("cancelled requests become 499 error records", async () => {
    const slow = await mockServer(["--ttft", "300", "--itl", "5"]);
    try {
      const r = await profile(slow.url, [
        "--streaming",
        "--request-count",
        "12",
        "--concurrency",
        "4",
        "--request-cancellation-rate",
        "50",
        "--request-cancellation-delay",
        "0.05",
        "--osl",
        "4",
      ]);
      const json = exported(r.dir);
      const errors = json.error_summary as unknown as { error_details: { code: number; type: string }; count: number }[];
      const cancelled = errors.find((e) => e.error_details.code === 499);
      expect(cancelled?.error_details.type).toBe("RequestCancellationError");
      expect((cancelled?.count ?? 0) + ((json.request_count?.avg as number) ?? 0)).toBe(12);
      expect(r.out).toContain("Error Summary");
    } finally {
      await slow.stop();
    }
  }, 60_000);

  test("server errors are grouped; a run where every request fails exits non-zero", async () => {
    const failing = await mockServer(["--error-rate", "100"]);
    try {
      const r = await profile(failing.url, ["--streaming", "--request-count", "6"]);
      expect(r.code).not.toBe(0);
      expect(r.out).toContain("Every request failed");
      const errors = exported(r.dir).error_summary as unknown as { error_details: { code: number }; count: number }[];
      expect(errors.reduce((n, e) => n + (e.error_details.code === 500 ? e.count : 0), 0)).toBe(6);
    } finally {
      await failing.stop();
    }
  }, 60_000);

  test("a dead server gives error records, not a hang or a crash", async () => {
    // The pre-flight check would stop at "Cannot reach" (tests/e2e/preflight.test.ts): skipped, to test the run's own handling.
    const r = await profile("http://127.0.0.1:9", ["--request-count", "3", "--no-preflight"]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("Every request failed (3 of 3)");
  }, 60_000);

  test("Ctrl-C stops the run, still writes partial results, and leaves no process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-profile-"));
    const proc = Bun.spawn(
      [
        BINARY,
        ...onTestTransport([
          "profile",
          "-m",
          "mock-model",
          "-u",
          server.url,
          "--streaming",
          "--request-count",
          "100000",
          "--concurrency",
          "4",
          "--osl",
          "8",
          "--ui",
          "none",
          "--artifact-dir",
          join(dir, "out"),
        ]),
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    try {
      // Wait until requests are flowing (the records exporter has started its file).
      expect(await waitUntil(() => existsSync(join(dir, "out", "profile_export.jsonl")), 30_000)).toBeGreaterThanOrEqual(0);
      await Bun.sleep(1000);
      const children = childrenOf(proc.pid);
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      const [out] = await output;
      expect(out).toContain("cancelled early");
      const json = exported(join(dir, "out"));
      expect(json.was_cancelled as unknown).toBe(true);
      expect(json.request_count?.avg as number).toBeGreaterThan(0);
      for (const pid of children) expect(await waitUntil(() => !isAlive(pid), 2000)).toBeGreaterThanOrEqual(0);
    } finally {
      proc.kill("SIGKILL");
    }
  }, 90_000);

  test("a bad flag value names the flag, starts nothing, and exits 2", async () => {
    const r = await profile(server.url, ["--concurrency", "0"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("Invalid value 0 for --concurrency: must be at least 1");
    expect(existsSync(r.dir)).toBe(false);
    const conflict = await profile(server.url, ["--request-count", "5", "--benchmark-duration", "3"]);
    expect(conflict.code).toBe(2);
    expect(conflict.out).toContain("--request-count and --benchmark-duration cannot be used together");
  }, 30_000);

  test("--help documents every flag with its default", async () => {
    const proc = Bun.spawn([BINARY, "profile", "--help"], { stdout: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const help = await new Response(proc.stdout).text();
    for (const flag of [
      "--model",
      "--url",
      "--endpoint-type",
      "--streaming",
      "--concurrency",
      "--request-rate",
      "--request-rate-mode",
      "--benchmark-duration",
      "--goodput",
      "--failed-request-threshold",
      "--record-processors",
      "--workers-max",
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("(Default: 550)");
    expect(help).toContain("(Default: localhost:8000)");
  });
});
