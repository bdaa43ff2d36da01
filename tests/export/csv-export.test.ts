/**
 * profile_export_aiperf.csv. The expected text was produced by Python's csv.writer (CRLF rows,
 * minimal quoting) over the same display values, with upstream's name and number rules.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csvField, csvMetricName, csvNumber, renderCsvExport, writeCsvExport } from "../../src/export/index.ts";
import { RESULTS } from "./fixture.ts";

const EXPECTED = [
  "Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std",
  "Inter Chunk Latency (ms),11.50,0.50,20.00,0.50,1.00,2.00,5.00,11.00,15.00,19.00,19.50,20.00,4.50",
  "Output Sequence Length (tokens),42.75,24.00,65.00,24.00,25.00,26.00,30.00,47.00,50.00,52.00,60.00,64.00,7.21",
  "Output Token Throughput Per User (tokens/sec/user),89.23,75.93,113.60,76.00,77.00,78.00,80.00,90.12,91.00,90.91,95.00,102.28,3.70",
  "Request Latency (ms),1487.30,267.07,2769.57,270.00,280.00,300.00,400.00,536.17,600.00,580.83,700.00,2715.99,79.60",
  "Time to First Token (ms),18.26,11.22,106.32,11.25,11.50,12.00,14.00,16.62,20.00,27.76,40.00,68.82,12.07",
  "",
  "Metric,Value",
  "Benchmark Duration (sec),3.91",
  "Error Request Count,2",
  "Minimum Request Timestamp (ns),1760000000000000000",
  "Output Token Throughput (tokens/sec),10944.03",
  "Request Count,4",
  "Request Throughput (requests/sec),1.02",
  "Total Output Sequence Length (tokens),171",
  "",
].join("\r\n");

describe("CSV export", () => {
  test("two sections sorted by tag, display units, experimental metric left out", () => {
    expect(renderCsvExport(RESULTS)).toBe(EXPECTED);
  });

  test("developer mode includes experimental metrics", () => {
    expect(renderCsvExport(RESULTS, { showInternal: true })).toContain(
      "\r\nStream Setup Latency (ms),2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,2.00,0.00\r\n",
    );
  });

  test("one section only: no blank separator line; nothing at all → empty file", () => {
    const scalars = RESULTS.filter((r) => r.p50 === undefined);
    expect(renderCsvExport(scalars).startsWith("Metric,Value\r\n")).toBe(true);
    const records = RESULTS.filter((r) => r.tag === "time_to_first_token");
    expect(renderCsvExport(records)).toBe(`${EXPECTED.split("\r\n")[0]}\r\n${EXPECTED.split("\r\n")[5]}\r\n`);
    expect(renderCsvExport([])).toBe("");
  });

  test("metric names leave out the count/requests units", () => {
    expect(csvMetricName("request_count")).toBe("Request Count");
    expect(csvMetricName("good_request_count")).toBe("GoodRequestCount");
    expect(csvMetricName("request_throughput")).toBe("Request Throughput (requests/sec)");
    expect(csvMetricName("benchmark_duration")).toBe("Benchmark Duration (sec)");
  });

  test("numbers: ints as ints, floats with 2 decimals rounded half-even, missing as empty", () => {
    expect(csvNumber(4, true)).toBe("4");
    expect(csvNumber(4, false)).toBe("4.00");
    expect(csvNumber(4.5, true)).toBe("4.50");
    expect(csvNumber(0.125, false)).toBe("0.12"); // Python; JS toFixed says 0.13
    expect(csvNumber(undefined, false)).toBe("");
  });

  test("fields with commas, quotes or line breaks are quoted", () => {
    expect(csvField('Input, Tokens "Total"')).toBe('"Input, Tokens ""Total"""');
    expect(csvField("a\nb")).toBe('"a\nb"');
    expect(csvField("plain")).toBe("plain");
  });

  test("writes the file, creating the directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiperf-csv-"));
    const path = join(dir, "nested", "profile_export_aiperf.csv");
    await writeCsvExport(path, RESULTS);
    expect(await Bun.file(path).text()).toBe(EXPECTED);
    await rm(dir, { recursive: true });
  });
});
