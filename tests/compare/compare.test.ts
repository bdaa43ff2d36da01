/** compareRuns and loadRunSamples on written profile_export.jsonl files: verdicts, directions, gating, input errors. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareRuns, formatCompare, loadRunSamples } from "../../src/compare/index.ts";
import { BenchError } from "../../src/core/errors.ts";

const root = mkdtempSync(join(tmpdir(), "aiperf-compare-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run directory whose requests have the given TTFTs (and a throughput that falls as TTFT grows). */
function run(name: string, ttfts: number[], extra: { failed?: number; warmup?: number } = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const line = (ttft: number, phase: string, error: unknown) =>
    JSON.stringify({
      metadata: { benchmark_phase: phase },
      metrics: {
        time_to_first_token: { value: ttft, unit: "ms" },
        request_latency: { value: ttft + 50, unit: "ms" },
        output_token_throughput_per_user: { value: 10_000 / (ttft + 50), unit: "tokens/sec/user" },
        output_sequence_length: { value: 20, unit: "tokens" },
      },
      error,
    });
  const lines = [
    ...ttfts.map((t) => line(t, "profiling", null)),
    ...Array.from({ length: extra.failed ?? 0 }, () => line(1, "profiling", { code: 500, type: "Error", message: "x" })),
    ...Array.from({ length: extra.warmup ?? 0 }, () => line(1000, "warmup", null)),
  ];
  writeFileSync(join(dir, "profile_export.jsonl"), `${lines.join("\n")}\n`);
  return dir;
}

const spread = (center: number, n = 40): number[] => Array.from({ length: n }, (_, i) => center + ((i * 7) % 11) - 5);

describe("loadRunSamples", () => {
  test("successful profiling requests only; failed and warmup ones are counted out", () => {
    const s = loadRunSamples(run("load", [10, 20, 30], { failed: 2, warmup: 4 }));
    expect(s.requests).toBe(3);
    expect(s.failed).toBe(2);
    expect(s.values.get("time_to_first_token")).toEqual([10, 20, 30]);
    expect(s.units.get("time_to_first_token")).toBe("ms");
  });

  test("a directory of trial runs is pooled", () => {
    run("trials/run_1", [10, 11]);
    run("trials/run_2", [12, 13, 14]);
    const s = loadRunSamples(join(root, "trials"));
    expect(s.files).toEqual(["run_1/profile_export.jsonl", "run_2/profile_export.jsonl"]);
    expect(s.values.get("time_to_first_token")).toEqual([10, 11, 12, 13, 14]);
  });

  test("bad input is exit 2 naming the path (and line)", () => {
    const missing = join(root, "missing");
    expect(() => loadRunSamples(missing)).toThrow(`${missing} is not a directory`);
    mkdirSync(join(root, "empty"));
    expect(() => loadRunSamples(join(root, "empty"))).toThrow("No profile_export.jsonl in");
    mkdirSync(join(root, "broken"));
    writeFileSync(join(root, "broken", "profile_export.jsonl"), '{"metrics": {}}\nnot json\n');
    try {
      loadRunSamples(join(root, "broken"));
      throw new Error("expected an error");
    } catch (e) {
      expect((e as BenchError).exitCode).toBe(2);
      expect((e as Error).message).toBe(`${join(root, "broken", "profile_export.jsonl")}:2: not a JSON line`);
    }
  });
});

describe("compareRuns", () => {
  const base = loadRunSamples(run("base", spread(100)));
  const same = loadRunSamples(run("same", spread(100).reverse()));
  const slower = loadRunSamples(run("slower", spread(130)));
  const faster = loadRunSamples(run("faster", spread(70)));

  test("a 30 % slower TTFT regresses; throughput (higher is better) regresses with it; the gate lists both", () => {
    const r = compareRuns(base, slower, { seed: 1, iterations: 500 });
    const ttft = r.metrics.find((m) => m.metric === "time_to_first_token");
    expect(ttft?.verdict).toBe("regressed");
    expect(ttft?.change).toBeCloseTo(0.3, 5);
    expect(ttft?.p).toBeLessThan(0.001);
    expect(ttft?.ci.low).toBeGreaterThan(0);
    expect(r.metrics.find((m) => m.metric === "output_token_throughput_per_user")?.verdict).toBe("regressed");
    expect(r.regressed).toEqual(["time_to_first_token", "request_latency", "output_token_throughput_per_user"]);
    expect(formatCompare(r)).toContain("Regressed beyond 5% with 95% confidence: time_to_first_token, request_latency, output_token_throughput_per_user");
  });

  test("faster is an improvement, not a regression", () => {
    const r = compareRuns(base, faster, { iterations: 500 });
    expect(r.metrics.map((m) => m.verdict)).toEqual(["improved", "improved", "improved"]);
    expect(r.regressed).toEqual([]);
  });

  test("the same values in another order: no significant change", () => {
    const r = compareRuns(base, same, { iterations: 500 });
    expect(r.metrics.every((m) => m.verdict === "no significant change" && m.p === 1)).toBe(true);
    expect(r.regressed).toEqual([]);
  });

  test("a real but small change stays within the threshold; a lower threshold catches it", () => {
    const wide = loadRunSamples(run("wide", spread(100, 300)));
    const slightly = loadRunSamples(run("slightly", spread(103, 300)));
    const loose = compareRuns(wide, slightly, { metrics: ["ttft"], iterations: 500 });
    expect(loose.metrics[0]?.verdict).toBe("within threshold");
    expect(loose.metrics[0]?.change).toBeCloseTo(0.03, 5);
    const strict = compareRuns(wide, slightly, { metrics: ["ttft"], threshold: 1, iterations: 500 });
    expect(strict.regressed).toEqual(["time_to_first_token"]);
  });

  test("a metric without a better direction is reported as changed, never gated", () => {
    const r = compareRuns(base, slower, { metrics: ["output_sequence_length"], iterations: 200 });
    expect(r.metrics[0]?.direction).toBe("none");
    expect(r.regressed).toEqual([]);
  });

  test("an unknown --metric is exit 2 with the nearest name", () => {
    try {
      compareRuns(base, slower, { metrics: ["time_to_frist_token"] });
      throw new Error("expected an error");
    } catch (e) {
      expect((e as BenchError).exitCode).toBe(2);
      expect((e as Error).message).toBe('Invalid value "time_to_frist_token" for --metric: not in either run; did you mean time_to_first_token?');
    }
  });

  test("one request a side is too few to judge (shown, not gated)", () => {
    const r = compareRuns(loadRunSamples(run("one-a", [10])), loadRunSamples(run("one-b", [90])), { metrics: ["ttft"] });
    expect(r.metrics[0]?.verdict).toBe("too few requests");
    expect(r.regressed).toEqual([]);
  });
});
