/**
 * `aiperf plot` and `aiperf compare` on runs written with --profile-export-prefix (compiled binary):
 * the run's files are found whatever the prefix; a directory with two runs' files, or none, is one
 * clear message and exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BINARY, ensureBinary, type MockServer, runProfile, startMockServer } from "./support.ts";

let server: MockServer | undefined;
const runs: Record<string, string> = {};
let temp: string;
const FLAGS = ["--streaming", "--request-count", "12", "--concurrency", "2", "--isl", "16", "--osl", "4", "--no-gpu-telemetry"];

beforeAll(async () => {
  await ensureBinary();
  temp = mkdtempSync(join(tmpdir(), "aiperf-prefixed-"));
  server = await startMockServer(["--ttft", "10", "--itl", "1"]);
  for (const [name, prefix] of [
    ["foo", "foo"],
    ["bar", "bar.json"],
    ["plain", undefined],
  ] as const) {
    const run = await runProfile(server.url, [...FLAGS, ...(prefix === undefined ? [] : ["--profile-export-prefix", prefix])]);
    if (run.code !== 0) throw new Error(`profile ${name} failed (${run.code}):\n${run.out}`);
    runs[name] = run.dir;
  }
}, 180_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of Object.values(runs)) rmSync(dirname(dir), { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});

function aiperf(args: string[]): { code: number; out: string } {
  const r = Bun.spawnSync([BINARY, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

describe("prefixed runs", () => {
  test("the run's files carry the prefix", () => {
    expect(readdirSync(runs.foo as string)).toEqual(expect.arrayContaining(["foo.json", "foo.csv", "foo.jsonl"]));
    expect(readdirSync(runs.bar as string)).toEqual(expect.arrayContaining(["bar.json", "bar.csv", "bar.jsonl"]));
  });

  test("aiperf plot reads a prefixed run: its summary metrics and per-request charts", () => {
    const out = join(temp, "plot-foo");
    const r = aiperf(["plot", runs.foo as string, "-o", out]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).not.toContain("missing).</p>");
    const data = JSON.parse(/<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "{}") as { charts: { xs: number[] }[] };
    expect(data.charts.length).toBeGreaterThan(0);
    expect(data.charts.some((c) => c.xs.length >= 12)).toBe(true);
  });

  test("aiperf plot compares a prefixed and an unprefixed run", () => {
    const out = join(temp, "plot-two");
    const r = aiperf(["plot", runs.bar as string, runs.plain as string, "-o", out]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });

  test("aiperf compare reads prefixed runs", () => {
    const r = aiperf(["compare", runs.foo as string, runs.bar as string, "--threshold", "400"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("No metric regressed beyond 400%");
  });

  test("a directory with two runs' files: one message naming both, exit 2, for plot and compare", () => {
    const both = mkdtempSync(join(temp, "both-"));
    for (const f of ["foo.json", "foo.csv", "foo.jsonl"]) copyFileSync(join(runs.foo as string, f), join(both, f));
    for (const f of ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl"])
      copyFileSync(join(runs.plain as string, f), join(both, f));
    const p = aiperf(["plot", both, "-o", join(temp, "plot-both")]);
    expect(p.code).toBe(2);
    expect(p.out).toContain("holds the export files of 2 runs (profile_export_aiperf.json, foo.json)");
    expect(p.out).toContain("move each run's files into a directory of its own");
    const c = aiperf(["compare", both, runs.bar as string]);
    expect(c.code).toBe(2);
    expect(c.out).toContain("holds the export files of 2 runs (profile_export_aiperf.json, foo.json)");
  });

  test("a directory without a run: exit 2 naming it", () => {
    const empty = mkdtempSync(join(temp, "empty-"));
    const p = aiperf(["plot", empty]);
    expect(p.code).toBe(2);
    expect(p.out).toContain("holds no profile_export_aiperf.json or profile_export.jsonl");
    const c = aiperf(["compare", empty, runs.foo as string]);
    expect(c.code).toBe(2);
    expect(c.out).toContain(`No profile_export.jsonl in ${empty}`);
  });
});
