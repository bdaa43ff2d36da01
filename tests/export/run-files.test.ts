/** Finding a run's export files under any --profile-export-prefix, and refusing to guess between two runs. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRunFiles } from "../../src/export/run-files.ts";

const root = mkdtempSync(join(tmpdir(), "aiperf-run-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const SUMMARY = JSON.stringify({ schema_version: "1.5", request_count: { unit: "requests", avg: 1 } });
let n = 0;
function dir(files: Record<string, string>): string {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

describe("findRunFiles", () => {
  test("the default names", () => {
    const d = dir({
      "profile_export_aiperf.json": SUMMARY,
      "profile_export_aiperf.csv": "",
      "profile_export.jsonl": "",
      "gpu_telemetry_export.jsonl": "",
      "server_metrics_export.jsonl": "",
      "server_metrics_export.json": "{}",
      "server_metrics_export.csv": "",
      "inputs.json": "{}",
    });
    expect(findRunFiles(d)).toEqual({
      kind: "one",
      files: {
        prefix: null,
        summary: join(d, "profile_export_aiperf.json"),
        records: join(d, "profile_export.jsonl"),
        gpuTelemetry: join(d, "gpu_telemetry_export.jsonl"),
        serverMetrics: join(d, "server_metrics_export.jsonl"),
      },
    });
  });

  test("a prefix's files, time slices and outputs left aside", () => {
    const d = dir({
      "foo.json": SUMMARY,
      "foo.csv": "",
      "foo.jsonl": "",
      "foo_raw.jsonl": "",
      "foo_timeslices.json": "{}",
      "foo_timeslices.csv": "",
      "foo_outputs.json": "{}",
      "foo_gpu_telemetry.jsonl": "",
      "server_metrics_export.jsonl": "",
      "inputs.json": "{}",
    });
    expect(findRunFiles(d)).toEqual({
      kind: "one",
      files: {
        prefix: "foo",
        summary: join(d, "foo.json"),
        records: join(d, "foo.jsonl"),
        gpuTelemetry: join(d, "foo_gpu_telemetry.jsonl"),
        serverMetrics: join(d, "server_metrics_export.jsonl"),
      },
    });
  });

  test("a summary-only run (--export-level summary) has no records", () => {
    const d = dir({ "bar.json": SUMMARY, "bar.csv": "" });
    expect(findRunFiles(d)).toMatchObject({ kind: "one", files: { prefix: "bar", records: undefined } });
  });

  test("a .json/.csv pair that is not a summary is not a run", () => {
    expect(findRunFiles(dir({ "data.json": '{"rows": []}', "data.csv": "" }))).toEqual({ kind: "none" });
    expect(findRunFiles(dir({ "notes.txt": "" }))).toEqual({ kind: "none" });
    expect(findRunFiles(join(root, "missing"))).toEqual({ kind: "none" });
  });

  test("two runs' files in one directory are reported, not guessed between", () => {
    const d = dir({ "profile_export_aiperf.json": SUMMARY, "profile_export_aiperf.csv": "", "a.json": SUMMARY, "a.csv": "", "b.json": SUMMARY, "b.csv": "" });
    expect(findRunFiles(d)).toEqual({ kind: "several", summaries: ["profile_export_aiperf.json", "a.json", "b.json"] });
  });
});
