/** The compiled binary's arrival-fidelity block, intended-time metrics and client-bottleneck verdict. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, runProfile, useMockServer, readExport, readRecords } from "./support.ts";

const server = useMockServer(["--ttft", "5", "--itl", "1"], 180_000);

const json = (dir: string): Record<string, any> => readExport(dir);

describe("client check (compiled)", () => {
  test("a bound no client can meet marks the run invalid, and --fail-on-client-bottleneck exits 1", async () => {
    const flags = ["--streaming", "--request-rate", "100", "--request-rate-mode", "poisson", "--request-count", "40", "--osl", "4", "--isl", "16"];
    // With a rate, the send-lag bound is at least a tenth of the median gap between sends (here
    // ~0.7 ms), so the impossible bound is the loop-lag one (a timer never fires exactly on time).
    const impossible = ["--client-bottleneck-send-lag-ms", "0.000001", "--client-bottleneck-loop-lag-ms", "0.000001"];
    const r = await runProfile(server.url, [...flags, ...impossible, "--fail-on-client-bottleneck"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Run invalid: the client was the bottleneck");
    expect(r.out).toContain("--fail-on-client-bottleneck");
    expect(r.out).toContain("Arrival fidelity (poisson)");
    const doc = json(r.dir);
    expect(doc.run_validity.valid).toBe(false);
    expect(doc.run_validity.reasons.join(" ")).toContain("event-loop lag p99");
    // The median gap of 40 poisson sends at 100/s is ~7 ms (ln 2 × 10): the bound is a tenth of it, not the flag.
    expect(doc.run_validity.bounds.send_lag_p99_ms).toBeGreaterThan(0.25);
    expect(doc.run_validity.bounds.send_lag_p99_ms).toBeLessThan(2.5);
    // Every worker reported its event-loop lag.
    expect(doc.run_validity.worker_loop_lag_p99_ms).not.toBeNull();
    expect(doc.arrival_fidelity).toMatchObject({ arrival: "poisson", requests: 40, requested_rate: 100 });
    expect(doc.arrival_fidelity.ks.samples).toBe(39);
    expect(doc.arrival_fidelity.ks.p_value).toBeGreaterThanOrEqual(0);
    // Intended-time metrics: aggregated in the JSON and CSV, per record in the JSONL, not on the console.
    expect(doc.send_lag.unit).toBe("ms");
    expect(doc.send_lag.min).toBeGreaterThanOrEqual(0);
    expect(doc.intended_request_latency.avg).toBeGreaterThanOrEqual(doc.request_latency.avg);
    expect(doc.intended_time_to_first_token.min).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(r.dir, "profile_export_aiperf.csv"), "utf8")).toContain("Send Lag (ms)");
    const line = readRecords(r.dir)[0];
    expect(line.metrics.send_lag.unit).toBe("ms");
    expect(r.out).not.toContain("Send Lag");
  }, 120_000);

  test("--help documents the verdict's flags and bounds", async () => {
    const proc = Bun.spawn([BINARY, "profile", "--help"], { stdout: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const help = await new Response(proc.stdout).text();
    for (const flag of ["--fail-on-client-bottleneck", "--client-bottleneck-send-lag-ms", "--client-bottleneck-loop-lag-ms"]) expect(help).toContain(flag);
    expect(help).toMatch(/client-bottleneck-send-lag-ms[\s\S]*?\(Default: 1\)/);
  });

  test("without the flag the same verdict exits 0; a closed-loop run has no arrival_fidelity block", async () => {
    // A closed loop's send-lag bound is at least 1 % of the median latency, so the impossible
    // bound is the loop-lag one (a timer never fires exactly on time).
    const r = await runProfile(server.url, [
      "--streaming",
      "--concurrency",
      "2",
      "--request-count",
      "10",
      "--osl",
      "4",
      "--isl",
      "16",
      "--client-bottleneck-send-lag-ms",
      "0.000001",
      "--client-bottleneck-loop-lag-ms",
      "0.000001",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Run invalid: the client was the bottleneck");
    const doc = json(r.dir);
    expect(doc.run_validity.valid).toBe(false);
    expect(doc.arrival_fidelity).toBeUndefined();
  }, 120_000);
});
