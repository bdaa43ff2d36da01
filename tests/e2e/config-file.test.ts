/** Config files on the compiled binary: config init → validate → profile --config (CLI flags over the file), expand, and errors with file:line. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, readRecords, useMockServer } from "./support.ts";

const server = useMockServer(["--ttft", "5", "--itl", "1"]);
let cwd: string;
beforeAll(async () => {
  await ensureBinary();
  cwd = mkdtempSync(join(tmpdir(), "aiperf-e2e-config-"));
}, 120_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function aiperf(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([BINARY, ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out, err };
}

describe("a list in a config file", () => {
  test("is a sweep, one run per value; a value on the command line replaces the list", async () => {
    writeFileSync(join(cwd, "list.yaml"), `model: mock-model\nurl: ${server.url}\nconcurrency: [1, 2]\nrequest-count: 3\nisl: 16\n`);
    const sweep = await aiperf(["profile", "--config", "list.yaml", "--artifact-dir", "sweep", "--ui", "none"]);
    expect(sweep.code).toBe(0);
    expect(readRecords(join(cwd, "sweep", "concurrency_1"))).toHaveLength(3);
    expect(readRecords(join(cwd, "sweep", "concurrency_2"))).toHaveLength(3);
    expect(existsSync(join(cwd, "sweep", "sweep_aggregate", "profile_export_aiperf_sweep.json"))).toBe(true);
    const one = await aiperf(["profile", "--config", "list.yaml", "--concurrency", "2", "--artifact-dir", "one", "--ui", "none"]);
    expect(one.code).toBe(0);
    expect(readRecords(join(cwd, "one"))).toHaveLength(3);
    expect(existsSync(join(cwd, "one", "sweep_aggregate"))).toBe(false);
  }, 180_000);
});

describe("aiperf config + profile --config", () => {
  test("init writes a file, validate accepts it, profile runs it with the command line's flags on top", async () => {
    const init = await aiperf(["config", "init", "--model", "mock-model", "--url", server.url, "--output", "bench.yaml"]);
    expect(init.code).toBe(0);
    expect(init.out).toContain("Wrote bench.yaml (template minimal)");
    expect(await Bun.file(join(cwd, "bench.yaml")).text()).toContain(`url: ${server.url}`);

    const again = await aiperf(["config", "init", "--output", "bench.yaml"]);
    expect(again.code).toBe(2);
    expect(again.err).toContain("bench.yaml exists: not overwritten");

    const valid = await aiperf(["config", "validate", "bench.yaml"]);
    expect(valid.code).toBe(0);
    expect(valid.out).toBe("Configuration valid: bench.yaml: 9 options, 1 run\n");

    // The file asks for 100 requests of 512 tokens at concurrency 4, streaming; the command line cuts it to 6.
    const run = await aiperf(["profile", "--config", "bench.yaml", "--request-count", "6", "--isl", "32", "--artifact-dir", "out", "--ui", "none"]);
    expect(run.code).toBe(0);
    const records = readRecords(join(cwd, "out"));
    expect(records).toHaveLength(6);
    // streaming: true came from the file: only a stream has a time to first token.
    expect(records.every((r) => typeof r.metrics.time_to_first_token?.value === "number")).toBe(true);
  }, 120_000);

  test("upstream's shape: benchmark.endpoint and phases run as their flags", async () => {
    writeFileSync(
      join(cwd, "upstream.yaml"),
      `benchmark:\n  model: mock-model\n  endpoint:\n    url: ${server.url}\n    streaming: true\n  phases:\n    type: concurrency\n    concurrency: 2\n    requests: 4\n  dataset:\n    prompts:\n      isl: 16\n      osl: 4\n`,
    );
    const run = await aiperf(["profile", "-f", "upstream.yaml", "--artifact-dir", "up", "--ui", "none"]);
    expect(run.code).toBe(0);
    const records = readRecords(join(cwd, "up"));
    expect(records).toHaveLength(4);
    expect(records.every((r) => r.metrics.output_sequence_length?.value === 4)).toBe(true);
  }, 120_000);

  test("a misspelt key: exit 2 naming file, line and key, with did you mean; nothing is written", async () => {
    writeFileSync(join(cwd, "typo.yaml"), `model: mock-model\nurl: ${server.url}\nbenchmark:\n  concurency: 4\n`);
    const run = await aiperf(["profile", "-f", "typo.yaml", "--artifact-dir", "typo-out"]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Error: typo.yaml:4: benchmark.concurency: unknown key "concurency"; did you mean "concurrency"?');
    expect(existsSync(join(cwd, "typo-out"))).toBe(false);
    const validate = await aiperf(["config", "validate", "typo.yaml"]);
    expect(validate.code).toBe(2);
    expect(validate.err).toContain("typo.yaml:4: benchmark.concurency");
  }, 60_000);

  test("a bad value in the file is reported at its line by the flag's rule", async () => {
    writeFileSync(join(cwd, "bad.yaml"), "model: mock-model\nrequest-count: 0\n");
    const run = await aiperf(["profile", "-f", "bad.yaml"]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("Error: bad.yaml:2: request-count: Invalid value 0 for --request-count: must be at least 1");
  }, 60_000);

  test("expand lists one run per sweep point, as profile command lines or JSON", async () => {
    expect((await aiperf(["config", "init", "--template", "sweep", "-m", "mock-model", "-u", server.url, "-o", "sweep.yaml"])).code).toBe(0);
    const text = await aiperf(["config", "expand", "sweep.yaml"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("sweep.yaml: 4 runs\n[0] concurrency=1\n  aiperf profile --model mock-model");
    const json = await aiperf(["config", "expand", "sweep.yaml", "--format", "json"]);
    const parsed = JSON.parse(json.out) as { variations: { label: string; values: Record<string, number>; args: string[] }[] };
    expect(parsed.variations.map((v) => v.values.concurrency)).toEqual([1, 2, 4, 8]);
    expect(parsed.variations[3]?.args).toContain("8");
    const valid = await aiperf(["config", "validate", "sweep.yaml"]);
    expect(valid.out).toContain("4 runs (concurrency=1; concurrency=2; concurrency=4; concurrency=8)");
  }, 60_000);
});
