/** checkBounds on a described machine: which fan-outs and concurrencies are refused, and what the error says. */
import { describe, expect, test } from "bun:test";
import { checkBounds, type Host } from "../../src/config/bounds.ts";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { BenchError } from "../../src/core/errors.ts";

const GiB = 1024 ** 3;
const roomy: Host = { cpus: 2, availableBytes: 20 * GiB, openFiles: 20_000 };

/** The error checkBounds throws for `flags` on `host`, or undefined when the run may start. */
function refusal(flags: string[], host: Host = roomy): BenchError | undefined {
  const parsed = parseProfileConfig(readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:1", ...flags]).input);
  const cfg = resolveProfile(parsed, "aiperf profile", false, () => {});
  try {
    checkBounds(cfg, parsed, host);
    return undefined;
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    expect(error.exitCode).toBe(2);
    return error;
  }
}

describe("process count", () => {
  test("8 per CPU, at least 16: 2 CPUs run 16, 4 CPUs run 32", () => {
    expect(refusal(["--workers-max", "8", "--concurrency", "8", "--record-processors", "8"])).toBeUndefined();
    const error = refusal(["--workers-max", "8", "--concurrency", "8", "--record-processors", "9"]);
    expect(error?.message).toContain("--record-processors 9 with --workers-max 8 would start 8 worker and 9 record processor processes (17)");
    expect(error?.message).toContain("2 CPU(s), which run at most 16");
    expect(error?.hint).toContain("at most 16 together");
    expect(refusal(["--record-processors", "31"], { ...roomy, cpus: 4 })).toBeUndefined();
    expect(refusal(["--record-processors", "32"], { ...roomy, cpus: 4 })?.message).toContain("run at most 32");
  });

  test("the default (no record processor: records parses) is not blamed on a flag the user did not give", () => {
    const error = refusal(["--workers-max", "40", "--concurrency", "100"]);
    expect(error?.message).toStartWith("Too many processes: --workers-max 40 would start 40 worker processes; this machine has 2 CPU(s)");
    expect(error?.message).not.toContain("record-processors");
  });
});

describe("memory", () => {
  test("the processes' resident memory must fit in 80% of what is available", () => {
    // 8 workers, 8 processors, dataset and 5 others: 8*64 + 8*100 + 128 + 5*64 = 1760 MB.
    const flags = ["--workers-max", "8", "--concurrency", "8", "--record-processors", "8"];
    expect(refusal(flags, { ...roomy, availableBytes: 2.2 * GiB })).toBeUndefined();
    const error = refusal(flags, { ...roomy, availableBytes: 2 * GiB });
    expect(error?.message).toContain("Not enough memory: --record-processors 8 with --workers-max 8 would start 22 processes that need ~1.7 GiB");
    expect(error?.message).toContain("2.0 GiB is available");
  });
});

describe("open files", () => {
  test("each worker needs a socket per request in flight, within the limit", () => {
    expect(refusal(["--concurrency", "900", "--request-count", "900"], { ...roomy, openFiles: 1000 })).toBeUndefined();
    const error = refusal(["--concurrency", "1000", "--request-count", "1000"], { ...roomy, openFiles: 1000 });
    expect(error?.message).toBe(
      "--concurrency 1000 needs ~1065 open files in each of the 1 worker process(es) (one socket per request in flight: 1000 over 1 worker(s)); the limit is 1000 (ulimit -n, already raised to the hard limit)",
    );
    expect(error?.hint).toContain("--workers-max 2");
  });

  test("what can be in flight counts: a run of 10 requests at concurrency 100000 needs 10 sockets", () => {
    expect(refusal(["--concurrency", "100000", "--request-count", "10"], { ...roomy, openFiles: 1000 })).toBeUndefined();
    expect(refusal(["--concurrency", "100000", "--benchmark-duration", "5"], { ...roomy, openFiles: 1000 })?.message).toStartWith(
      "--concurrency 100000 needs ~100065 open files",
    );
  });

  test("spread over workers, the need per worker falls", () => {
    expect(refusal(["--concurrency", "4000", "--request-count", "4000", "--workers-max", "8"], { ...roomy, openFiles: 1000 })).toBeUndefined();
  });

  test("an unreadable limit is not checked", () => {
    expect(refusal(["--concurrency", "100000", "--request-count", "100000"], { ...roomy, openFiles: undefined })).toBeUndefined();
  });
});
