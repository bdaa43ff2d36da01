import { describe, expect, test } from "bun:test";
import { json, post, readSse, startServer } from "./helpers.ts";

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|\+Inf|-Inf|NaN)$/;

/** Checks the text exposition format line by line; returns sample values by their full series name. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# HELP ")) continue;
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      expect(["counter", "gauge", "histogram"]).toContain(type!);
      typed.set(name!, type!);
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, line).not.toBeNull();
    const name = match![1]!;
    // Every sample belongs to a family declared above it.
    const family = typed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    expect(typed.has(family), line).toBe(true);
    samples.set(line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1).replace("+Inf", "Infinity")));
  }
  return samples;
}

describe("GET /metrics", () => {
  test("Prometheus text format with request, token, in-flight and latency metrics", async () => {
    const server = startServer({ ttft: 0, itl: 0, osl: 7 });
    for (let i = 0; i < 3; i++) await json(await post(server, "/v1/chat/completions", { messages: [{ role: "user", content: "a b" }] }));
    await readSse(await post(server, "/v1/completions", { prompt: "c", stream: true }), 0);
    await post(server, "/v1/chat/completions", "oops");
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const samples = parseExposition(await res.text());
    expect(samples.get('aiperf_mock_requests_total{endpoint="chat",status="200"}')).toBe(3);
    expect(samples.get('aiperf_mock_requests_total{endpoint="completions",status="200"}')).toBe(1);
    expect(samples.get('aiperf_mock_requests_total{endpoint="chat",status="400"}')).toBe(1);
    expect(samples.get("aiperf_mock_generation_tokens_total")).toBe(4 * 7);
    expect(samples.get("aiperf_mock_prompt_tokens_total")).toBe(3 * 2 + 1);
    expect(samples.get("aiperf_mock_requests_in_flight")).toBe(0);
    // Histogram buckets are cumulative and the +Inf bucket equals the count.
    const buckets = [...samples].filter(([k]) => k.startsWith('aiperf_mock_request_duration_seconds_bucket{endpoint="chat"'));
    const counts = buckets.map(([, v]) => v);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(samples.get('aiperf_mock_request_duration_seconds_bucket{endpoint="chat",le="+Inf"}')).toBe(4);
    expect(samples.get('aiperf_mock_request_duration_seconds_count{endpoint="chat"}')).toBe(4);
    expect(samples.get("aiperf_mock_time_to_first_token_seconds_count")).toBe(4);
  });

  test("the in-flight gauge counts open streams, and faults are counted by kind", async () => {
    const server = startServer({ ttft: 300, osl: 1, errorRate: 0 });
    const res = await post(server, "/v1/chat/completions", { messages: [{ role: "user", content: "x" }], stream: true });
    const during = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    expect(during.get("aiperf_mock_requests_in_flight")).toBe(1);
    await readSse(res, 0);
    const after = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    expect(after.get("aiperf_mock_requests_in_flight")).toBe(0);

    const faulty = startServer({ ttft: 0, errorRate: 100 });
    await json(await post(faulty, "/v1/embeddings", { input: "x" }));
    const faults = parseExposition(await (await fetch(`${faulty.url}/metrics`)).text());
    expect(faults.get('aiperf_mock_faults_total{kind="error"}')).toBe(1);
    expect(faults.get('aiperf_mock_requests_total{endpoint="embeddings",status="500"}')).toBe(1);
  });

  test("a client that hangs up mid-stream is counted as cancelled and leaves nothing in flight", async () => {
    const server = startServer({ ttft: 0, itl: 50, osl: 100 });
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ messages: [{ role: "user", content: "x" }], stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    let samples = new Map<string, number>();
    for (let i = 0; i < 100 && samples.get("aiperf_mock_requests_in_flight") !== 0; i++) {
      await Bun.sleep(20);
      samples = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    }
    expect(samples.get("aiperf_mock_requests_in_flight")).toBe(0);
    expect(samples.get('aiperf_mock_requests_total{endpoint="chat",status="cancelled"}')).toBe(1);
    expect(samples.get("aiperf_mock_generation_tokens_total")!).toBeLessThan(100);
  });
});
