import { describe, expect, test } from "bun:test";
import { parsePrometheusText, parsePromNumber, parseSampleLine } from "../../src/server-metrics/prometheus-parse.ts";

/** Trimmed from a vLLM 0.6-style /metrics page (names, help and layout as it serves them). */
const VLLM = `# HELP vllm:num_requests_running Number of requests currently running on GPU.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0
# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:gpu_cache_usage_perc gauge
vllm:gpu_cache_usage_perc{model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.4213
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{model_name="meta-llama/Llama-3.1-8B-Instruct"} 123456.0
# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 90.0
vllm:request_success_total{finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
# HELP vllm:request_success_created Count of successfully processed requests.
# TYPE vllm:request_success_created gauge
vllm:request_success_created{finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7e9
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
vllm:time_to_first_token_seconds_bucket{le="0.02",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 100.0
vllm:time_to_first_token_seconds_count{model_name="meta-llama/Llama-3.1-8B-Instruct"} 100.0
vllm:time_to_first_token_seconds_sum{model_name="meta-llama/Llama-3.1-8B-Instruct"} 6.5
# TYPE vllm:time_to_first_token_seconds_created gauge
vllm:time_to_first_token_seconds_created{model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7e9
`;

describe("parsePrometheusText", () => {
  test("vLLM gauges, counters and a histogram become one family each", () => {
    const { families, skippedLines } = parsePrometheusText(VLLM);
    expect(skippedLines).toBe(0);
    const model = { model_name: "meta-llama/Llama-3.1-8B-Instruct" };
    expect(families.get("vllm:num_requests_running")).toEqual({
      name: "vllm:num_requests_running",
      type: "gauge",
      help: "Number of requests currently running on GPU.",
      series: [{ labels: model, value: 12 }],
    });
    expect(families.get("vllm:gpu_cache_usage_perc")?.series[0]?.value).toBe(0.4213);
    expect(families.get("vllm:prompt_tokens_total")?.type).toBe("counter");
    expect(families.get("vllm:request_success_total")?.series.map((s) => [s.labels?.finished_reason, s.value])).toEqual([
      ["stop", 90],
      ["length", 10],
    ]);
    const ttft = families.get("vllm:time_to_first_token_seconds");
    expect(ttft?.type).toBe("histogram");
    expect(ttft?.series).toEqual([{ labels: model, histogram: { "0.001": 0, "0.02": 10, "0.1": 80, "+Inf": 100 }, count: 100, sum: 6.5 }]);
    expect([...families.keys()].some((n) => n.includes("_bucket") || n.endsWith("_sum") || n.endsWith("_count") || n.endsWith("_created"))).toBe(false);
  });

  test("_created series are dropped", () => {
    const text =
      '# TYPE foo counter\nfoo_total 3\nfoo_created 1.7e9\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\nh_created 1.7e9\n';
    const { families } = parsePrometheusText(text);
    expect([...families.keys()]).toEqual(["foo", "h"]);
    expect(families.get("foo")?.series).toEqual([{ value: 3 }]);
  });

  test("summaries group quantiles, sum and count per label set", () => {
    const text = `# HELP rpc_duration_seconds A summary.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{service="a",quantile="0.5"} 0.01
rpc_duration_seconds{service="a",quantile="0.99"} 0.2
rpc_duration_seconds_sum{service="a"} 17
rpc_duration_seconds_count{service="a"} 1000
rpc_duration_seconds{service="b",quantile="0.5"} NaN
rpc_duration_seconds_count{service="b"} 0
`;
    const f = parsePrometheusText(text).families.get("rpc_duration_seconds");
    expect(f?.type).toBe("summary");
    expect(f?.series[0]).toEqual({ labels: { service: "a" }, summary: { "0.5": 0.01, "0.99": 0.2 }, sum: 17, count: 1000 });
    expect(Number.isNaN(f?.series[1]?.summary?.["0.5"])).toBe(true);
  });

  test("label escapes, timestamps, special values and untyped samples", () => {
    const text = [
      'msg{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} 1 1700000000000',
      "up +Inf",
      "down -Inf",
      "odd NaN",
      "sci 1.5e-3",
      "# a plain comment",
      'spaced{ a = "1" , } 2',
    ].join("\n");
    const { families, skippedLines } = parsePrometheusText(text);
    expect(skippedLines).toBe(0);
    expect(families.get("msg")?.series[0]).toEqual({ labels: { path: "C:\\dir", quote: 'say "hi"', nl: "a\nb" }, value: 1, timestampMs: 1700000000000 });
    expect(families.get("msg")?.type).toBe("untyped");
    expect(families.get("up")?.series[0]?.value).toBe(Infinity);
    expect(families.get("down")?.series[0]?.value).toBe(-Infinity);
    expect(Number.isNaN(families.get("odd")?.series[0]?.value)).toBe(true);
    expect(families.get("sci")?.series[0]?.value).toBe(0.0015);
    expect(families.get("spaced")?.series[0]).toEqual({ labels: { a: "1" }, value: 2 });
  });

  test("garbage lines are skipped and counted, never thrown", () => {
    const text = [
      "ok 1",
      "not a metric line",
      "bad{x=1} 2",
      'open{x="1" 3',
      "novalue",
      "two 1 2 3",
      "num abc",
      "# TYPE t nonsense",
      "ok2 2",
      "\u0000\u0001",
    ].join("\n");
    const { families, skippedLines } = parsePrometheusText(text);
    expect([...families.keys()]).toEqual(["ok", "ok2"]);
    expect(skippedLines).toBe(8);
  });

  test("bucket bounds are normalised so 1.0 and 1 are the same bucket", () => {
    const text = '# TYPE h histogram\nh_bucket{le="1.0"} 4\nh_bucket{le="+Inf"} 5\nh_count 5\nh_sum 2\n';
    expect(parsePrometheusText(text).families.get("h")?.series[0]?.histogram).toEqual({ "1": 4, "+Inf": 5 });
  });

  test("the mock server's own exposition parses without skipped lines", async () => {
    const { createMockMetrics } = await import("../../src/mock-server/metrics.ts");
    const m = createMockMetrics();
    m.requestStarted();
    m.firstToken(0.03);
    m.requestFinished("chat", "200", 0.1);
    const { families, skippedLines } = parsePrometheusText(m.render());
    expect(skippedLines).toBe(0);
    expect(families.get("aiperf_mock_requests_total")?.series[0]).toEqual({ labels: { endpoint: "chat", status: "200" }, value: 1 });
    expect(families.get("aiperf_mock_time_to_first_token_seconds")?.series[0]?.count).toBe(1);
    expect(families.get("aiperf_mock_kv_cache_usage_perc")?.type).toBe("gauge");
  });
});

describe("value and line helpers", () => {
  test("numbers", () => {
    expect(parsePromNumber("+Inf")).toBe(Infinity);
    expect(parsePromNumber("1e3")).toBe(1000);
    expect(parsePromNumber("-0.5")).toBe(-0.5);
    expect(parsePromNumber("")).toBeUndefined();
    expect(parsePromNumber("1,5")).toBeUndefined();
  });
  test("a sample line", () => {
    expect(parseSampleLine('a_b:c{x="y"} 7')).toEqual({ name: "a_b:c", labels: { x: "y" }, value: 7 });
  });
});
