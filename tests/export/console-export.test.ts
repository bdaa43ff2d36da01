/**
 * The console report. The expected tables were rendered by Rich 15.0 from the same rows upstream's
 * exporters build (`Table(title=…)`, right-justified columns, `f"{v:,.2f}"`), then copied here;
 * only the title's trailing padding is trimmed.
 */
import { describe, expect, test } from "bun:test";
import { consoleMetricLabel, metricsTitle, renderConsoleReport, renderErrorTable, renderFooter, renderMetricsTable } from "../../src/export/index.ts";
import { ERRORS, RESULTS } from "./fixture.ts";

const METRICS_TABLE = `                                         NVIDIA AIPerf | LLM Metrics
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━┓
┃                               Metric ┃       avg ┃    min ┃      max ┃      p99 ┃    p90 ┃    p50 ┃   std ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━┩
│             Time to First Token (ms) │     18.26 │  11.22 │   106.32 │    68.82 │  27.76 │  16.62 │ 12.07 │
│                 Request Latency (ms) │  1,487.30 │ 267.07 │ 2,769.57 │ 2,715.99 │ 580.83 │ 536.17 │ 79.60 │
│     Output Token Throughput Per User │     89.23 │  75.93 │   113.60 │   102.28 │  90.91 │  90.12 │  3.70 │
│                    (tokens/sec/user) │           │        │          │          │        │        │       │
│      Output Sequence Length (tokens) │     42.75 │  24.00 │    65.00 │    64.00 │  52.00 │  47.00 │  7.21 │
│ Output Token Throughput (tokens/sec) │ 10,944.03 │    N/A │      N/A │      N/A │    N/A │    N/A │   N/A │
│    Request Throughput (requests/sec) │      1.02 │    N/A │      N/A │      N/A │    N/A │    N/A │   N/A │
│             Request Count (requests) │      4.00 │    N/A │      N/A │      N/A │    N/A │    N/A │   N/A │
└──────────────────────────────────────┴───────────┴────────┴──────────┴──────────┴────────┴────────┴───────┘`;

const ERROR_TABLE = `                    NVIDIA AIPerf | Error Summary
┏━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━┓
┃ Code ┃                    Type ┃ Message                   ┃ Count ┃
┡━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━┩
│  500 │               HTTPError │ Internal Server Error     │ 1,234 │
│  N/A │ InvalidInferenceResults │ Invalid inference results │     3 │
└──────┴─────────────────────────┴───────────────────────────┴───────┘`;

describe("metrics table", () => {
  test("matches Rich: console order, display units, N/A for scalars, hidden ICL/experimental/error rows", () => {
    expect(renderMetricsTable(RESULTS, "chat")).toBe(METRICS_TABLE);
  });

  test("titles by endpoint type", () => {
    expect(metricsTitle("chat")).toBe("NVIDIA AIPerf | LLM Metrics");
    expect(metricsTitle("completions")).toBe("NVIDIA AIPerf | LLM Metrics");
    expect(metricsTitle("embeddings")).toBe("NVIDIA AIPerf | Embeddings Metrics");
    expect(metricsTitle("rankings")).toBe("NVIDIA AIPerf | Rankings Metrics");
  });

  test("labels: unit on its own line only for headers longer than 30 characters", () => {
    expect(consoleMetricLabel("output_token_throughput")).toBe("Output Token Throughput (tokens/sec)");
    expect(consoleMetricLabel("output_token_throughput_per_user")).toBe("Output Token Throughput Per User\n(tokens/sec/user)");
  });

  test("nothing to show → null", () => {
    expect(renderMetricsTable([], "chat")).toBeNull();
    expect(
      renderMetricsTable(
        RESULTS.filter((r) => r.tag === "inter_chunk_latency"),
        "chat",
      ),
    ).toBeNull();
  });
});

describe("error table", () => {
  test("matches Rich: code N/A when missing, counts with separators", () => {
    expect(renderErrorTable(ERRORS)).toBe(ERROR_TABLE);
    expect(renderErrorTable([])).toBeNull();
  });

  test("long messages wrap to keep the table within the width", () => {
    const long = [{ error: { code: 400, type: "HTTPError", message: "word ".repeat(40).trim() }, count: 1 }];
    const lines = (renderErrorTable(long, 100) ?? "").split("\n");
    expect(Math.max(...lines.map((l) => [...l].length))).toBe(100);
    expect(lines.filter((l) => l.includes("word")).length).toBeGreaterThan(1);
  });
});

describe("footer and report", () => {
  const paths = { csvPath: "/runs/a/profile_export_aiperf.csv", jsonPath: "/runs/a/profile_export_aiperf.json", logPath: "/runs/a/logs/aiperf.log" };

  test("footer lines", () => {
    expect(renderFooter({ cliCommand: "aiperf profile -m m", benchmarkDurationSec: 3.913456789, wasCancelled: false, ...paths })).toBe(
      [
        "CLI Command: aiperf profile -m m",
        "Benchmark Duration: 3.91 sec",
        "CSV Export: /runs/a/profile_export_aiperf.csv",
        "JSON Export: /runs/a/profile_export_aiperf.json",
        "Log File: /runs/a/logs/aiperf.log",
      ].join("\n"),
    );
  });

  test("cancelled runs say so twice; no duration line without a duration", () => {
    const text = renderFooter({ cliCommand: "x", benchmarkDurationSec: 1.005, wasCancelled: true, ...paths });
    expect(text).toContain("Benchmark Duration: 1.00 sec (cancelled early)"); // 1.005 is 1.00499… in binary
    expect(text.endsWith("The profile run was cancelled early. Results shown may be incomplete or inaccurate.")).toBe(true);
    expect(renderFooter({ cliCommand: "x", wasCancelled: false, ...paths })).not.toContain("Benchmark Duration");
  });

  test("whole report: blank lines as upstream prints them, duration from the results", () => {
    const report = renderConsoleReport({
      results: RESULTS,
      errorSummary: ERRORS,
      endpointType: "chat",
      cliCommand: "aiperf profile -m m",
      wasCancelled: false,
      ...paths,
    });
    expect(report).toBe(
      `\n\n${METRICS_TABLE}\n\n\n${ERROR_TABLE}\n\nCLI Command: aiperf profile -m m\nBenchmark Duration: 3.91 sec\n` +
        `CSV Export: ${paths.csvPath}\nJSON Export: ${paths.jsonPath}\nLog File: ${paths.logPath}\n\n`,
    );
  });
});

describe("fitting the terminal", () => {
  const widest = (text: string): number => Math.max(...text.split("\n").map((l) => [...l].length));

  test("without a width the table is upstream's, whole; wide enough, it is unchanged", () => {
    expect(renderMetricsTable(RESULTS, "chat")).toBe(METRICS_TABLE);
    expect(renderMetricsTable(RESULTS, "chat", 120)).toBe(METRICS_TABLE);
  });

  test("narrower: the Metric column wraps, then statistics are left out (std first) with a note; avg always stays", () => {
    for (const width of [100, 80, 60, 40]) {
      const table = renderMetricsTable(RESULTS, "chat", width) as string;
      expect(widest(table)).toBeLessThanOrEqual(width);
      const header = table.split("\n").find((l) => l.startsWith("┃")) as string;
      expect(header).toContain(" avg ");
      expect(table).toContain("Time to First");
      // Wrapping alone fits 100; below that columns go, and a note says which.
      if (width < 100) expect(table.replace(/\n\s*/g, " ")).toMatch(new RegExp(`\\(std[a-z0-9, ]* left out to fit ${width} columns;`));
      else expect(header).toContain(" std ");
    }
    const at80 = renderMetricsTable(RESULTS, "chat", 80) as string;
    for (const kept of ["avg", "p99", "p50"]) expect(at80).toContain(` ${kept} `);
    const at40 = renderMetricsTable(RESULTS, "chat", 40) as string;
    expect(at40.split("\n").find((l) => l.startsWith("┃"))).not.toContain(" p50 ");
  });

  test("the error table wraps its messages to the width", () => {
    const table = renderConsoleReport({
      results: RESULTS,
      errorSummary: ERRORS,
      endpointType: "chat",
      cliCommand: "aiperf profile",
      wasCancelled: false,
      csvPath: "/a.csv",
      jsonPath: "/a.json",
      logPath: "/a.log",
      width: 80,
    });
    const errors = table.slice(table.indexOf("Error Summary"));
    for (const line of errors.split("\n").filter((l) => /[┃│┏└]/.test(l))) expect([...line].length).toBeLessThanOrEqual(80);
  });
});
