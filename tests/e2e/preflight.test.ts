/**
 * The pre-flight check and --wait-for-model-* on the compiled binary, against a fake vLLM that
 * checks keys and model names (fake-vllm.ts). Each mistake must stop before any benchmark request
 * with exit 2 and one message naming the URL tried and the fix.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeVllm, startFakeVllm } from "./fake-vllm.ts";
import { BINARY, ensureBinary, onTestTransport, readExport, readRecords } from "./support.ts";

const MODEL = "Qwen/Qwen3-0.6B";

type Run = { code: number; out: string; dir: string; ms: number };

async function profile(args: string[]): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-preflight-"));
  const dir = join(cwd, "out");
  const started = performance.now();
  const proc = Bun.spawn(
    [
      BINARY,
      ...onTestTransport(["profile", "--artifact-dir", dir, "--ui", "none", "--no-server-metrics", "--no-gpu-telemetry", "--tokenizer", "builtin", ...args]),
    ],
    {
      cwd,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err, dir, ms: performance.now() - started };
}

/** A user error: exit 2, one message, no stack, and no benchmark request reached the server. */
function expectStoppedBefore(r: Run, benchmarkRequests: number): void {
  expect(r.code).toBe(2);
  expect(r.out).not.toMatch(/\n\s+at /);
  expect(benchmarkRequests).toBe(0);
  expect(existsSync(join(r.dir, "profile_export.jsonl"))).toBe(false);
}

let secured: FakeVllm;
beforeAll(async () => {
  await ensureBinary();
  secured = startFakeVllm({ apiKey: "sekret", models: [MODEL, "other-model"] });
}, 120_000);
afterAll(() => secured?.stop());

describe("pre-flight against a fake vLLM (compiled)", () => {
  test("a base URL ending in /v1 is not doubled: requests go to /v1/chat/completions", async () => {
    const before = secured.chatRequests;
    const r = await profile(["-m", MODEL, "-u", `${secured.url}/v1`, "--api-key", "sekret", "--request-count", "3"]);
    expect(r.code).toBe(0);
    expect(secured.chatRequests - before).toBe(3);
    expect(secured.seen.some((s) => s.includes("/v1/v1/"))).toBe(false);
    expect(readRecords(r.dir).length).toBe(3);
    expect(readExport(r.dir).request_count.avg).toBe(3);
  }, 60_000);

  test("no --api-key for a server that needs one: exit 2 naming the URL and --api-key", async () => {
    const before = secured.chatRequests;
    const r = await profile(["-m", MODEL, "-u", secured.url, "--request-count", "3"]);
    expectStoppedBefore(r, secured.chatRequests - before);
    expect(r.out).toContain(`${secured.url}/v1/models refused the request: HTTP 401`);
    expect(r.out).toContain("--api-key");
  }, 30_000);

  test("a wrong key: exit 2 saying the credentials were not accepted", async () => {
    const before = secured.chatRequests;
    const r = await profile(["-m", MODEL, "-u", secured.url, "--api-key", "wrong", "--request-count", "3"]);
    expectStoppedBefore(r, secured.chatRequests - before);
    expect(r.out).toContain("HTTP 401");
    expect(r.out).toContain("did not accept the credentials");
  }, 30_000);

  test("a model the server does not serve: exit 2 listing the models it does", async () => {
    const before = secured.chatRequests;
    const r = await profile(["-m", "Qwen/Qwen3-8B", "-u", secured.url, "--api-key", "sekret", "--request-count", "3"]);
    expectStoppedBefore(r, secured.chatRequests - before);
    expect(r.out).toContain(`Model "Qwen/Qwen3-8B" is not served by ${secured.url}/v1/models; it serves: ${MODEL}, other-model`);
    expect(r.out).toContain(`-m ${MODEL}`);
  }, 30_000);

  test("a wrong --endpoint path: exit 2 naming the URL tried and --endpoint", async () => {
    const before = secured.chatRequests;
    const r = await profile(["-m", MODEL, "-u", secured.url, "--api-key", "sekret", "--endpoint", "/v1/chat", "--request-count", "3"]);
    expectStoppedBefore(r, secured.chatRequests - before);
    expect(r.out).toContain(`${secured.url}/v1/chat does not exist on the server (HTTP 404)`);
    expect(r.out).toContain("--endpoint");
  }, 30_000);

  test("a base URL with a wrong path prefix: exit 2 suggesting the server's root", async () => {
    const before = secured.chatRequests;
    const r = await profile(["-m", MODEL, "-u", `${secured.url}/openai`, "--api-key", "sekret", "--request-count", "3"]);
    expectStoppedBefore(r, secured.chatRequests - before);
    expect(r.out).toContain(`${secured.url}/openai/v1/chat/completions does not exist on the server (HTTP 404)`);
    expect(r.out).toContain(`-u ${secured.url}`);
  }, 30_000);

  test("nothing listening at the URL: exit 2 at once, naming the URL", async () => {
    const gone = startFakeVllm();
    const url = gone.url;
    gone.stop();
    const r = await profile(["-m", MODEL, "-u", url, "--request-count", "3"]);
    expectStoppedBefore(r, 0);
    expect(r.out).toContain(`Cannot reach ${url}/v1/models: connection refused`);
    expect(r.out).toContain("-u/--url");
    expect(r.ms).toBeLessThan(20_000);
  }, 30_000);

  test("--no-preflight skips the check: the run goes ahead and its requests fail instead", async () => {
    const r = await profile(["-m", MODEL, "-u", secured.url, "--request-count", "2", "--no-preflight"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Every request failed (2 of 2)");
    expect(readRecords(r.dir).length).toBe(2);
  }, 60_000);
});

describe("--wait-for-model-* (compiled)", () => {
  test("inference mode: 503 while loading, then the run starts once a 1-token request is answered", async () => {
    const loading = startFakeVllm({ loadingMs: 2_500 });
    try {
      const r = await profile(["-m", MODEL, "-u", loading.url, "--request-count", "2", "--wait-for-model-timeout", "30", "--wait-for-model-interval", "0.5"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("returned 503");
      expect(r.out).toContain("Inference probe ready");
      // The probes are not benchmark requests: only the run's two are counted and recorded.
      expect(loading.chatRequests).toBe(2);
      expect(loading.seen.filter((s) => s === "POST /v1/chat/completions (probe)").length).toBeGreaterThan(1);
      expect(readRecords(r.dir).length).toBe(2);
    } finally {
      loading.stop();
    }
  }, 60_000);

  test("models mode: waits until GET /v1/models lists the model", async () => {
    const loading = startFakeVllm({ loadingMs: 2_000 });
    try {
      const r = await profile([
        "-m",
        MODEL,
        "-u",
        loading.url,
        "--request-count",
        "2",
        "--wait-for-model-timeout",
        "30",
        "--wait-for-model-mode",
        "models",
        "--wait-for-model-interval",
        "0.5",
      ]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("Waiting for");
      expect(r.out).toContain(`Model '${MODEL}' ready at ${loading.url}`);
      expect(loading.seen.some((s) => s.startsWith("POST") && s.endsWith("(probe)"))).toBe(false);
      expect(loading.chatRequests).toBe(2);
    } finally {
      loading.stop();
    }
  }, 60_000);

  test("a server that never becomes ready: exit 2 after the timeout, naming the URL", async () => {
    const stuck = startFakeVllm({ loadingMs: 600_000 });
    try {
      const r = await profile(["-m", MODEL, "-u", stuck.url, "--request-count", "2", "--wait-for-model-timeout", "1.5", "--wait-for-model-interval", "0.5"]);
      expectStoppedBefore(r, stuck.chatRequests);
      expect(r.out).toContain(`Timed out after 1.5 s waiting for ${stuck.url} to be ready`);
      expect(r.out).toContain("--wait-for-model-timeout");
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      stuck.stop();
    }
  }, 30_000);

  test("without waiting, a loading server (503) gets a warning pointing at --wait-for-model-timeout", async () => {
    const loading = startFakeVllm({ loadingMs: 600_000 });
    try {
      const r = await profile(["-m", MODEL, "-u", loading.url, "--request-count", "1"]);
      expect(r.out).toContain("answered HTTP 503");
      expect(r.out).toContain("--wait-for-model-timeout");
      expect(r.code).toBe(1);
    } finally {
      loading.stop();
    }
  }, 60_000);
});

test("--streaming against a server that answers whole replies: a warning that TTFT equals latency", async () => {
  const plain = startFakeVllm({ streams: false });
  try {
    const r = await profile(["-m", MODEL, "-u", plain.url, "--streaming", "--request-count", "2"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--streaming was asked for, but the server answered with one whole reply");
    expect(r.out.match(/--streaming was asked for/g)?.length).toBe(1);
    expect(plain.chatRequests).toBe(2);
  } finally {
    plain.stop();
  }
}, 60_000);
