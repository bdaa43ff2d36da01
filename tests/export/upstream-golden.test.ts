/**
 * Golden tests against upstream's documented examples and field tables
 * (tests/fixtures/upstream-schema/documented.ts): our exporters fed the documented inputs must
 * write the documented output, so a drift on either side fails here.
 */
import { describe, expect, test } from "bun:test";
import { buildJsonExport, JSON_SCHEMA_VERSION, jsonMetric } from "../../src/export/json-export.ts";
import { renderGpuCsvSection } from "../../src/export/gpu-csv-section.ts";
import { buildOutputsJson, outputEntry, rawRecordLine } from "../../src/export/outputs-export.ts";
import { buildTimesliceJson, renderTimesliceCsv, timesliceIndex } from "../../src/export/timeslice-export.ts";
import { exportFileNames } from "../../src/export/export-files.ts";
import { computeRecordMetrics, createMetricContext, type MetricResult, SummaryBuilder } from "../../src/metrics/index.ts";
import { FIELDS } from "../../src/services/gpu-telemetry/fields.ts";
import { GPU_PLATFORM, UPSTREAM_GPU_FIELDS } from "../../src/services/gpu-telemetry/summary.ts";
import { makeRecord } from "../metrics/fixtures.ts";
import * as doc from "../fixtures/upstream-schema/documented.ts";

const MS = 1e6;
const base = { inputConfig: { cli_command: "aiperf profile" }, wasCancelled: false, errorSummary: [], startNs: null, endNs: null };

/** Numbers equal to 9 significant digits (ms ↔ ns conversions leave float noise); other values exactly. */
function expectSameBlock(ours: Record<string, unknown>, theirs: Record<string, unknown>): void {
  expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
  for (const [k, v] of Object.entries(theirs)) {
    if (typeof v === "number" && !Number.isInteger(v)) expect(ours[k] as number).toBeCloseTo(v, 6);
    else expect(ours[k]).toEqual(v);
  }
}

describe("profile_export_aiperf.json against json-export-schema.md", () => {
  test("the per-metric example: record metric with count and sum, derived and aggregate with unit and avg only", () => {
    const e = doc.METRIC_EXAMPLE.request_latency;
    const latency: MetricResult = {
      tag: "request_latency",
      header: "Request Latency",
      unit: "ns",
      avg: e.avg * MS,
      min: e.min * MS,
      max: e.max * MS,
      p50: e.p50 * MS,
      p99: e.p99 * MS,
      std: e.std * MS,
      count: e.count,
      sum: e.sum * MS,
    };
    const throughput: MetricResult = { tag: "request_throughput", header: "Request Throughput", unit: "requests/sec", avg: 1.45, count: 1 };
    const count: MetricResult = { tag: "request_count", header: "Request Count", unit: "requests", avg: 20, count: 1 };
    const out = buildJsonExport({ ...base, results: [latency, throughput, count] });
    expectSameBlock(out.request_latency as Record<string, unknown>, e);
    expect(out.request_throughput).toEqual(doc.METRIC_EXAMPLE.request_throughput);
    expect(out.request_count).toEqual(doc.METRIC_EXAMPLE.request_count);
  });

  test("a record metric from real records has every documented stats field; count and sum are the records'", () => {
    const builder = new SummaryBuilder({ context: createMetricContext({ streaming: true, producesTokens: true }) });
    for (let i = 0; i < 20; i++) builder.add(makeRecord(i * 100, [10, 20, 30 + i]));
    const latency = builder.summarize().results.find((r) => r.tag === "request_latency") as MetricResult;
    const block = jsonMetric(latency);
    expect(Object.keys(block).sort()).toEqual([...doc.STATS_FIELDS].sort());
    expect(block.count).toBe(20);
    // Latencies 30…49 ms: their sum in ms.
    expect(block.sum as number).toBeCloseTo(((30 + 49) * 20) / 2, 9);
  });

  test("schema_version is the version table's last row; provenance fields come first", () => {
    const out = buildJsonExport({ ...base, results: [] });
    expect(out.schema_version).toBe(doc.SCHEMA_VERSIONS.at(-1) as string);
    expect(JSON_SCHEMA_VERSION).toBe(doc.SCHEMA_VERSIONS.at(-1) as string);
    expect(Object.keys(out).slice(0, 4)).toEqual(["schema_version", "aiperf_version", "benchmark_id", "run_info"]);
    // Every documented top-level field but telemetry_data (added once GPU telemetry is finalized).
    for (const f of doc.TOP_LEVEL_FIELDS.filter((f) => f !== "telemetry_data")) expect(Object.keys(out)).toContain(f);
  });

  test("the run_info example is written as given, and benchmark_id duplicates its own", () => {
    const out = buildJsonExport({ ...base, results: [], runInfo: doc.RUN_INFO_EXAMPLE });
    expect(out.run_info).toEqual(doc.RUN_INFO_EXAMPLE);
    expect(out.benchmark_id).toBe(doc.RUN_INFO_EXAMPLE.benchmark_id);
  });

  test("warmup_metrics (1.4) holds the warmup results keyed by tag; absent without warmup", () => {
    const warm: MetricResult = { tag: "request_count", header: "Request Count", unit: "requests", avg: 3, count: 1 };
    expect(buildJsonExport({ ...base, results: [], warmupResults: [warm] }).warmup_metrics).toEqual({ request_count: { unit: "requests", avg: 3 } });
    expect(buildJsonExport({ ...base, results: [] })).not.toHaveProperty("warmup_metrics");
  });
});

describe("GPU telemetry against upstream's GPU telemetry guide", () => {
  test("our metric names are upstream's 1.5 names, in its order", () => {
    const documented = Object.keys(doc.GPU_EXAMPLE.endpoints["localhost:9401"].gpus.gpu_0.metrics);
    const ours = UPSTREAM_GPU_FIELDS.map((f) => f.key).filter((k) => documented.includes(k));
    expect(ours).toEqual(documented);
    expect(GPU_PLATFORM).toBe(doc.GPU_EXAMPLE.endpoints["localhost:9401"].gpus.gpu_0.platform);
  });

  test("the CSV section of the documented GPU is the documented CSV", () => {
    const units = new Map(FIELDS.map((f) => [f.field as string, f.unit]));
    const fields = UPSTREAM_GPU_FIELDS.map((f) => ({ key: f.key, header: f.header, unit: units.get(f.field) ?? "" }));
    const text = renderGpuCsvSection(doc.GPU_EXAMPLE, fields, GPU_PLATFORM);
    expect(text).toBe(["", "", ...doc.GPU_CSV_EXAMPLE].map((l) => `${l}\r\n`).join(""));
  });
});

describe("outputs.json 1.1, profile_export_raw.jsonl and the time slices", () => {
  const ctx = createMetricContext({ streaming: true, producesTokens: true });
  const records = [
    makeRecord(0, [10, 20], { sessionNum: 1, responseText: "b" }),
    makeRecord(0, [10, 20], { sessionNum: 0, responseText: "a" }),
    makeRecord(0, [10], { sessionNum: 0, phase: "warmup", responseText: "w" }),
  ];

  test("document and entry keys as upstream's exporter writes them; data profiling-only, sorted; warmup apart", () => {
    const out = buildOutputsJson(records.map((r) => outputEntry(r, computeRecordMetrics(r, ctx))));
    expect(Object.keys(out)).toEqual(doc.OUTPUTS_DOC_KEYS);
    expect(out.schema_version).toBe("1.1");
    expect(out.data.map((e) => e.response_text)).toEqual(["a", "b"]);
    expect(out.warmup.map((e) => e.response_text)).toEqual(["w"]);
    expect(Object.keys(out.data[0] as object)).toEqual(doc.OUTPUTS_ENTRY_KEYS);
    const metrics = (out.data[0] as { metrics: Record<string, unknown> }).metrics;
    expect(Object.keys(metrics).sort()).toEqual([...doc.OUTPUTS_METRICS].sort());
    // Plain numbers in display units, as upstream's example ("output_token_count": 10).
    expect(Object.values(metrics).every((v) => typeof v === "number")).toBe(true);
    expect(metrics.request_latency).toBe(20);
  });

  test("a raw line carries the metadata of profile_export.jsonl, the request body and the reply's reads", () => {
    const r = makeRecord(0, [10], { raw: { payload: { model: "m" }, status: 200, responses: [{ perf_ns: 10 * MS, text: "{}" }] } });
    const line = JSON.parse(rawRecordLine(r, computeRecordMetrics(r, ctx)));
    expect(Object.keys(line)).toEqual(["metadata", "start_perf_ns", "payload", "status", "responses", "error"]);
    expect(line.payload).toEqual({ model: "m" });
    expect(line.metadata.benchmark_phase).toBe("profiling");
  });

  test("timeslice CSV is upstream's tidy table; the JSON a list of slices with their index", () => {
    const builder = new SummaryBuilder({ context: ctx });
    builder.add(makeRecord(0, [10, 20]));
    const slices = [{ index: 0, results: builder.summarize().results }];
    const csv = renderTimesliceCsv(slices).split("\r\n");
    expect(csv[0]).toBe(doc.TIMESLICE_CSV_HEADER);
    expect(csv).toContain("0,Request Latency,ms,avg,20.00");
    expect(csv).toContain("0,Request Count,requests,avg,1");
    const json = buildTimesliceJson(slices, { cli_command: "x" });
    expect(Object.keys(json)).toEqual(["timeslices", "input_config"]);
    expect((json.timeslices as { timeslice_index: number }[])[0]?.timeslice_index).toBe(0);
    expect(timesliceIndex(2.5e9, 1)).toBe(2);
    expect(timesliceIndex(-1, 1)).toBe(0);
  });

  test("--profile-export-prefix renames every file, outputs.json to foo_outputs.json; a file name is taken as its stem", () => {
    expect(exportFileNames("foo")).toEqual({
      json: "foo.json",
      csv: "foo.csv",
      jsonl: "foo.jsonl",
      raw: "foo_raw.jsonl",
      timeslicesJson: "foo_timeslices.json",
      timeslicesCsv: "foo_timeslices.csv",
      outputs: "foo_outputs.json",
      gpuTelemetry: "foo_gpu_telemetry.jsonl",
    });
    expect(exportFileNames("foo.json").json).toBe("foo.json");
    expect(exportFileNames().json).toBe("profile_export_aiperf.json");
  });
});
