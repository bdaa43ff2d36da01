import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../process/helpers.ts";
import { BINARY, ensureBinary, onTestTransport, readExport } from "./support.ts";

type Seen = { path: string; headers: Record<string, string>; body: Record<string, unknown> };

/** A server that records what it receives and answers like a non-streaming chat endpoint. */
function captureServer(status = 200) {
  const seen: Seen[] = [];
  const server = Bun.serve({
    port: 0,
    async fetch(req) {
      // GETs are the server-metrics scrapes of /metrics, not requests under test.
      if (req.method === "GET") return new Response("not found", { status: 404 });
      seen.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body: (await req.json()) as Record<string, unknown> });
      if (status !== 200) return new Response("nope", { status });
      return Response.json({
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "hello there world" }, finish_reason: "stop" }],
      });
    },
  });
  return { seen, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

async function profile(args: string[]): Promise<{ code: number; out: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-flags-"));
  const proc = Bun.spawn([BINARY, ...onTestTransport(args), "--artifact-dir", join(dir, "out"), "--ui", "none"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err, dir: join(dir, "out") };
}

let a: ReturnType<typeof captureServer>;
let b: ReturnType<typeof captureServer>;
beforeAll(async () => {
  await ensureBinary();
  a = captureServer();
  b = captureServer();
}, 120_000);
afterAll(() => {
  a.stop();
  b.stop();
});

test("endpoint, header, auth, extra-input, model, url, rate, goodput and worker flags all take effect", async () => {
  const r = await profile([
    "profile",
    "-m",
    "m1,m2",
    "-u",
    a.url,
    "-u",
    b.url,
    "--endpoint",
    "/custom/chat",
    "-H",
    "X-Test:yes",
    "--header",
    '{"X-Other": "two"}',
    "--api-key",
    "sekret",
    "--extra-inputs",
    "temperature:0.5,ignore_eos:true",
    "--request-rate",
    "50",
    "--request-rate-mode",
    "constant",
    "--concurrency",
    "4",
    "--request-count",
    "10",
    "--goodput",
    "request_latency:10000",
    "--workers-max",
    "1",
    "--record-processors",
    "2",
    "--conversation-num",
    "10",
    "--isl",
    "20",
    "--tokenizer",
    join(ROOT, "tests", "fixtures", "tiny-bpe"),
    "-v",
  ]);
  expect(r.code).toBe(0);
  const seen = [...a.seen, ...b.seen];
  expect(seen.length).toBe(10);
  // Several URLs are used round robin (per worker; one worker here): each server got half.
  expect(a.seen.length).toBe(5);
  expect(b.seen.length).toBe(5);
  for (const s of seen) {
    expect(s.path).toBe("/custom/chat");
    expect(s.headers["x-test"]).toBe("yes");
    expect(s.headers["x-other"]).toBe("two");
    expect(s.headers.authorization).toBe("Bearer sekret");
    expect(s.body.temperature).toBe(0.5);
    expect(s.body.ignore_eos).toBe(true);
    expect(s.body.stream).toBe(false);
  }
  expect(new Set(seen.map((s) => s.body.model))).toEqual(new Set(["m1", "m2"]));
  const json = readExport(r.dir);
  expect(json.request_count.avg).toBe(10);
  expect(json.good_request_count.avg).toBe(10);
  expect(json.goodput.avg).toBeGreaterThan(0);
  // -v turns on debug lines, e.g. services registering.
  expect(r.out).toContain("registered (pid");
}, 60_000);

test("--failed-request-threshold turns a partly failing run into a non-zero exit", async () => {
  const bad = captureServer(500);
  try {
    const r = await profile(["profile", "-m", "m", "-u", a.url, "-u", bad.url, "--request-count", "8", "--failed-request-threshold", "0.2"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("exceed --failed-request-threshold 0.2");
  } finally {
    bad.stop();
  }
}, 60_000);

test("an unknown goodput metric is refused before anything starts", async () => {
  const r = await profile(["profile", "-m", "m", "-u", a.url, "--goodput", "no_such_metric:5"]);
  expect(r.code).toBe(2);
  expect(r.out).toContain("no_such_metric");
});

test("poisson rate, length spreads, request timeout and log level take effect", async () => {
  const slow = Bun.serve({
    port: 0,
    async fetch(req) {
      if (req.method !== "POST") return new Response("not here", { status: 404 });
      const body = (await req.json()) as { max_completion_tokens?: number };
      // Every third request stalls past the client's timeout.
      if (++slowCount % 3 === 0) await Bun.sleep(1500);
      return Response.json({
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "x ".repeat(body.max_completion_tokens ?? 1) } }],
      });
    },
  });
  let slowCount = 0;
  try {
    const r = await profile([
      "profile",
      "-m",
      "m",
      "-u",
      `http://127.0.0.1:${slow.port}`,
      "--request-rate",
      "40",
      "--request-rate-mode",
      "poisson",
      "--request-count",
      "9",
      "--concurrency",
      "9",
      "--isl",
      "50",
      "--isl-stddev",
      "10",
      "--osl",
      "20",
      "--osl-stddev",
      "5",
      "--request-timeout-seconds",
      "0.5",
      "--log-level",
      "debug",
      "--no-server-metrics",
      "--no-gpu-telemetry",
    ]);
    expect(r.code).toBe(0);
    const json = readExport(r.dir);
    expect(json.request_count.avg).toBe(6);
    const timeouts = json.error_summary.find((e: { error_details: { type: string } }) => e.error_details.type === "TimeoutError");
    expect(timeouts.count).toBe(3);
    // ISL is spread around 50 rather than fixed at it.
    expect(json.input_sequence_length.max).toBeGreaterThan(json.input_sequence_length.min);
    expect(r.out).toContain("registered (pid");
  } finally {
    slow.stop(true);
  }
}, 60_000);
