/** The run report: one object rendered once into the JSON, the CSV and the console text, in the order the files had when collectors rewrote them. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderCsvExport } from "../../src/export/csv-export.ts";
import { type RecordsSummary, type RunReport, reportedAvg, writeRunReport } from "../../src/export/run-report.ts";
import { RESULTS } from "./fixture.ts";

const root = mkdtempSync(join(tmpdir(), "aiperf-run-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function base(): RunReport {
  const dir = join(root, String(n++));
  return {
    paths: { json: join(dir, "p.json"), csv: join(dir, "p.csv"), jsonl: join(dir, "p.jsonl"), log: join(dir, "logs", "aiperf.log") },
    endpointType: "chat",
    cliCommand: "aiperf profile -m m",
    wasCancelled: false,
    inputConfig: { cli_command: "aiperf profile -m m" },
    resolvedConfig: { model: ["m"] },
    startNs: null,
    endNs: null,
  };
}

const RECORDS: RecordsSummary = {
  results: RESULTS,
  warmupResults: [],
  errorSummary: [],
  blocks: { run_validity: { valid: true }, reply_anomalies: {} },
  consoleText: "\nRECORDS-SECTION\n",
  incomplete: [],
  validCount: 4,
  errorCount: 2,
  received: 6,
  lost: 0,
  files: ["/x/p.jsonl"],
};

const GPU = {
  telemetry: {
    endpoints: {
      "h:9400/metrics": { gpus: { gpu_0: { gpu_index: 0, gpu_name: "G", gpu_uuid: "U", metrics: { nvidia_power_usage: { avg: 100, min: 90 } } } } },
    },
  },
  energy: { total_gpu_energy: { unit: "J", avg: 5 } },
  csvFields: [{ key: "nvidia_power_usage", header: "Power", unit: "W" }],
  platform: "nvidia",
  consoleText: "GPU-TABLES\n",
  files: ["/x/gpu.jsonl"],
};

describe("writeRunReport", () => {
  test("records, GPU telemetry and server metrics: one JSON, one CSV, one console text, every file listed", async () => {
    const report: RunReport = { ...base(), records: RECORDS, gpu: GPU, serverMetrics: { consoleText: "SERVER-METRICS\n", files: ["/x/sm.json"] } };
    const out = await writeRunReport(report);
    const json = JSON.parse(readFileSync(report.paths.json, "utf8")) as Record<string, unknown>;
    // Our blocks last: resolved config, the records' blocks, then GPU telemetry's energy and telemetry_data.
    expect(Object.keys(json).slice(-5)).toEqual(["resolved_config", "run_validity", "reply_anomalies", "total_gpu_energy", "telemetry_data"]);
    expect(json.request_count).toEqual({ unit: "requests", avg: 4 });
    expect(json.total_gpu_energy).toEqual({ unit: "J", avg: 5 });
    const csv = readFileSync(report.paths.csv, "utf8");
    expect(csv.startsWith(renderCsvExport(RESULTS))).toBe(true);
    expect(csv.slice(renderCsvExport(RESULTS).length)).toStartWith("\r\n\r\nEndpoint,GPU_Index,GPU_Name,GPU_UUID,Platform,Metric,");
    expect(csv).toContain("h:9400/metrics,0,G,U,nvidia,Power (W),100.00,90.00,");
    const order = [
      "NVIDIA AIPerf | LLM Metrics",
      "RECORDS-SECTION",
      "\nGPU-TABLES",
      "\nSERVER-METRICS",
      "CLI Command: aiperf profile -m m",
      `JSON Export: ${report.paths.json}`,
    ];
    const at = order.map((s) => out.consoleText.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out.files).toEqual([report.paths.json, report.paths.csv, "/x/p.jsonl", "/x/gpu.jsonl", "/x/sm.json"]);
  });

  test("incomplete records: the warning follows the footer", async () => {
    const out = await writeRunReport({ ...base(), records: { ...RECORDS, incomplete: ["2 of 8 records lost"] } });
    expect(out.consoleText).toEndWith("\n\nResults are incomplete: 2 of 8 records lost\n");
  });

  test("no records: the JSON says why, no metrics CSV, the console says where the records went", async () => {
    const report: RunReport = { ...base(), noRecords: { reasons: ['Service "records:0" exited'], expected: 10, jsonlWritten: true } };
    const out = await writeRunReport(report);
    const json = JSON.parse(readFileSync(report.paths.json, "utf8")) as Record<string, unknown>;
    expect(json.incomplete).toEqual({ reasons: ['Service "records:0" exited'], records_expected: 10, records_received: null, records_lost: null });
    expect(json.error_summary).toEqual([]);
    expect(existsSync(report.paths.csv)).toBe(false);
    expect(out.consoleText).toBe(
      `No metrics: Service "records:0" exited.\nRecords written before that: ${report.paths.jsonl}\nJSON Export: ${report.paths.json}\n`,
    );
    expect(out.files).toEqual([report.paths.json, report.paths.jsonl]);
  });

  test("no records but GPU telemetry: its blocks in the JSON, its section alone in the CSV", async () => {
    const report: RunReport = { ...base(), noRecords: { reasons: [], expected: 0, jsonlWritten: false }, gpu: GPU };
    const out = await writeRunReport(report);
    const json = JSON.parse(readFileSync(report.paths.json, "utf8")) as Record<string, unknown>;
    expect(json.incomplete).toBeUndefined();
    expect(Object.keys(json).slice(-2)).toEqual(["total_gpu_energy", "telemetry_data"]);
    expect(readFileSync(report.paths.csv, "utf8")).toStartWith("\r\n\r\nEndpoint,");
    expect(out.consoleText).toStartWith("\nGPU-TABLES\nNo metrics: the run was stopped before any request was sent.\n");
  });

  test("reportedAvg reads a records metric in display units, null when absent", () => {
    expect(reportedAvg(RECORDS, "request_count")).toBe(4);
    expect(reportedAvg(RECORDS, "total_output_tokens")).toBeNull();
    expect(reportedAvg(undefined, "request_count")).toBeNull();
  });
});
