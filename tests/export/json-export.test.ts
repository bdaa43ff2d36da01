/**
 * profile_export_aiperf.json: schema 1.5 header, GenAI-Perf key order, display units, record
 * metrics with count, scalars with unit + avg only,
 * error summary and local start/end times (checked against Python's datetime.fromtimestamp).
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildJsonExport, JSON_METRIC_ORDER, renderJsonExport, writeJsonExport } from "../../src/export/index.ts";
import type { JsonExportInput } from "../../src/export/index.ts";
import { ERRORS, RESULTS } from "./fixture.ts";

const INPUT: JsonExportInput = {
  results: RESULTS,
  inputConfig: { endpoint: { model_names: ["m"] }, cli_command: "aiperf profile -m m" },
  wasCancelled: false,
  errorSummary: ERRORS,
  startNs: 1_760_000_000_123_456_789, // 08:53:20.123456789 UTC → .123457 after float seconds
  endNs: 1_760_000_004_000_000_000,
  utcOffsetMinutes: 120,
  runInfo: {
    benchmark_id: "abc123def456",
    sweep_id: null,
    random_seed: 42,
    trial: 0,
    run_label: "run_0001",
    variation_label: "base",
    variation_index: 0,
    variation_values: {},
    cli_command: "aiperf profile -m m",
  },
};

// Floats print as the shortest round-trip digits, as Python's repr does (18.26 ms arrives as
// 18260000 ns · 1e-6 = 18.259999999999998, exactly what upstream writes for the same value).
const EXPECTED = `{
  "schema_version": "1.5",
  "aiperf_version": "0.1.0",
  "benchmark_id": "abc123def456",
  "run_info": {
    "benchmark_id": "abc123def456",
    "sweep_id": null,
    "random_seed": 42,
    "trial": 0,
    "run_label": "run_0001",
    "variation_label": "base",
    "variation_index": 0,
    "variation_values": {},
    "cli_command": "aiperf profile -m m"
  },
  "request_throughput": {
    "unit": "requests/sec",
    "avg": 1.0221
  },
  "request_latency": {
    "unit": "ms",
    "avg": 1487.3,
    "p1": 270,
    "p5": 280,
    "p10": 300,
    "p25": 400,
    "p50": 536.17,
    "p75": 600,
    "p90": 580.8299999999999,
    "p95": 700,
    "p99": 2715.99,
    "min": 267.07,
    "max": 2769.5699999999997,
    "std": 79.6,
    "count": 4
  },
  "request_count": {
    "unit": "requests",
    "avg": 4
  },
  "time_to_first_token": {
    "unit": "ms",
    "avg": 18.259999999999998,
    "p1": 11.25,
    "p5": 11.5,
    "p10": 12,
    "p25": 14,
    "p50": 16.62,
    "p75": 20,
    "p90": 27.759999999999998,
    "p95": 40,
    "p99": 68.82,
    "min": 11.219999999999999,
    "max": 106.32,
    "std": 12.07,
    "count": 4
  },
  "output_token_throughput": {
    "unit": "tokens/sec",
    "avg": 10944.034
  },
  "output_token_throughput_per_user": {
    "unit": "tokens/sec/user",
    "avg": 89.23,
    "p1": 76,
    "p5": 77,
    "p10": 78,
    "p25": 80,
    "p50": 90.125,
    "p75": 91,
    "p90": 90.91,
    "p95": 95,
    "p99": 102.28,
    "min": 75.93,
    "max": 113.6,
    "std": 3.7,
    "count": 4
  },
  "output_sequence_length": {
    "unit": "tokens",
    "avg": 42.75,
    "p1": 24,
    "p5": 25,
    "p10": 26,
    "p25": 30,
    "p50": 47,
    "p75": 50,
    "p90": 52,
    "p95": 60,
    "p99": 64,
    "min": 24,
    "max": 65,
    "std": 7.21,
    "count": 4
  },
  "min_request_timestamp": {
    "unit": "ns",
    "avg": 1760000000000000000
  },
  "inter_chunk_latency": {
    "unit": "ms",
    "avg": 11.5,
    "p1": 0.5,
    "p5": 1,
    "p10": 2,
    "p25": 5,
    "p50": 11,
    "p75": 15,
    "p90": 19,
    "p95": 19.5,
    "p99": 20,
    "min": 0.5,
    "max": 20,
    "std": 4.5,
    "count": 4
  },
  "benchmark_duration": {
    "unit": "sec",
    "avg": 3.913456789
  },
  "total_osl": {
    "unit": "tokens",
    "avg": 171
  },
  "error_request_count": {
    "unit": "requests",
    "avg": 2
  },
  "input_config": {
    "endpoint": {
      "model_names": [
        "m"
      ]
    },
    "cli_command": "aiperf profile -m m"
  },
  "was_cancelled": false,
  "error_summary": [
    {
      "error_details": {
        "code": 500,
        "type": "HTTPError",
        "message": "Internal Server Error"
      },
      "count": 1234
    },
    {
      "error_details": {
        "code": null,
        "type": "InvalidInferenceResults",
        "message": "Invalid inference results"
      },
      "count": 3
    }
  ],
  "start_time": "2025-10-09T10:53:20.123457",
  "end_time": "2025-10-09T10:53:24",
  "runtime_submission_invalid_reasons": []
}`;

describe("JSON export", () => {
  test("document for the fixed result", () => {
    expect(renderJsonExport(INPUT)).toBe(EXPECTED);
  });

  test("metric keys follow the declared order; the rest of the document after them", () => {
    const keys = Object.keys(buildJsonExport(INPUT));
    const metricKeys = keys.filter((k) => (JSON_METRIC_ORDER as readonly string[]).includes(k));
    expect(metricKeys).toEqual(JSON_METRIC_ORDER.filter((k) => metricKeys.includes(k)));
    expect(keys.slice(0, 4)).toEqual(["schema_version", "aiperf_version", "benchmark_id", "run_info"]);
    expect(keys.slice(-6)).toEqual(["input_config", "was_cancelled", "error_summary", "start_time", "end_time", "runtime_submission_invalid_reasons"]);
  });

  test("experimental metrics only in developer mode, after everything else", () => {
    expect(Object.keys(buildJsonExport(INPUT))).not.toContain("stream_setup_latency");
    const keys = Object.keys(buildJsonExport({ ...INPUT, showInternal: true }));
    expect(keys.at(-1)).toBe("stream_setup_latency");
  });

  test("empty run: no metric keys, null times, cancelled flag kept", () => {
    const doc = buildJsonExport({ ...INPUT, results: [], errorSummary: [], startNs: null, endNs: null, wasCancelled: true });
    expect(doc).toEqual({
      schema_version: "1.5",
      aiperf_version: expect.any(String),
      benchmark_id: "abc123def456",
      run_info: INPUT.runInfo,
      input_config: INPUT.inputConfig,
      was_cancelled: true,
      error_summary: [],
      start_time: null,
      end_time: null,
      runtime_submission_invalid_reasons: [],
    });
  });

  test("writes the file, creating the directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiperf-json-"));
    const path = join(dir, "run", "profile_export_aiperf.json");
    await writeJsonExport(path, INPUT);
    expect(await Bun.file(path).text()).toBe(EXPECTED);
    await rm(dir, { recursive: true });
  });
});
