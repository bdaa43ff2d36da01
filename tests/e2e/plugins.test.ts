/**
 * --plugin on the compiled binary (issue 19): each example in examples/plugins/ loaded against the
 * mock server and seen in the exports, `aiperf plugins` listing them, and a plugin's failures
 * contained: at load (exit 2, nothing started), in a parser or transport (error records named
 * with the plugin), in a metric (that metric absent, with a warning, the run intact).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../process/helpers.ts";
import { BINARY, type ProfileRun, readExport, readRecords, runProfile, useMockServer } from "./support.ts";

const server = useMockServer();
const EXAMPLES = join(ROOT, "examples", "plugins");
const example = (name: string): string => join(EXAMPLES, `${name}.ts`);
let scratch = "";
const runs: ProfileRun[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "aiperf-plugins-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const r of runs) rmSync(dirname(r.dir), { recursive: true, force: true });
});

async function profile(flags: string[]): Promise<ProfileRun> {
  const run = await runProfile(server.url, flags);
  runs.push(run);
  return run;
}

/** A plugin file written for one test (the examples stay the documented ones). */
function pluginFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

async function aiperf(args: string[], cwd = scratch): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn([BINARY, ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err };
}

describe("example plugins on the compiled binary", () => {
  test("aiperf plugins lists built-ins and each example's additions by kind", async () => {
    const args = ["plugins", "--format", "json", ...["endpoint", "dataset", "metric", "transport"].flatMap((n) => ["--plugin", example(n)])];
    const { code, out } = await aiperf(args);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { kind: string; name: string; origin: string }[];
    const origin = (kind: string, name: string): string | undefined => rows.find((r) => r.kind === kind && r.name === name)?.origin;
    expect(origin("endpoint", "chat")).toBe("built-in");
    expect(origin("endpoint", "example_completions")).toBe(example("endpoint"));
    expect(origin("dataset", "text_lines")).toBe(example("dataset"));
    expect(origin("transport", "raw")).toBe("built-in");
    expect(origin("transport", "buffered")).toBe(example("transport"));
    expect(origin("metric", "ttft_share")).toBe(example("metric"));
    expect(origin("metric", "error_rate")).toBe(example("metric"));
    const text = await aiperf(["plugins", "endpoint", "--plugin", example("endpoint")]);
    expect(text.out).toMatch(/example_completions\s+plugin .*endpoint\.ts/);
    expect(text.out).not.toContain("Transports");
  }, 60_000);

  test("endpoint: --endpoint-type example_completions sends and parses with the plugin's code", async () => {
    const run = await profile([
      "--plugin",
      example("endpoint"),
      "--endpoint-type",
      "example_completions",
      "--streaming",
      "--request-count",
      "4",
      "--concurrency",
      "2",
    ]);
    expect(run.code).toBe(0);
    const doc = readExport(run.dir);
    expect(doc.request_count.avg).toBe(4);
    expect(doc.output_sequence_length.avg).toBeGreaterThan(0);
    expect(doc.time_to_first_token.avg).toBeGreaterThan(0);
    expect(readFileSync(join(run.dir, "inputs.json"), "utf8")).toContain('"prompt"');
  }, 120_000);

  test("dataset format: --custom-dataset-type text_lines sends each line of the file as a prompt", async () => {
    const prompts = pluginFile("prompts.txt", "first prompt line\n\nsecond prompt line\nthird prompt line\n");
    const run = await profile(["--plugin", example("dataset"), "--custom-dataset-type", "text_lines", "--input-file", prompts, "--request-count", "3"]);
    expect(run.code).toBe(0);
    expect(readExport(run.dir).request_count.avg).toBe(3);
    const inputs = readFileSync(join(run.dir, "inputs.json"), "utf8");
    for (const line of ["first prompt line", "second prompt line", "third prompt line"]) expect(inputs).toContain(line);
  }, 120_000);

  test("metrics: a record metric per request and a derived one in the exports", async () => {
    const run = await profile(["--plugin", example("metric"), "--streaming", "--request-count", "4"]);
    expect(run.code).toBe(0);
    const doc = readExport(run.dir);
    expect(doc.ttft_share.unit).toBe("ratio");
    expect(doc.ttft_share.count).toBe(4);
    expect(doc.ttft_share.avg).toBeGreaterThan(0);
    expect(doc.ttft_share.max).toBeLessThanOrEqual(1);
    expect(doc.error_rate).toMatchObject({ unit: "percent", avg: 0 });
    for (const r of readRecords(run.dir))
      expect(r.metrics.ttft_share.value).toBeCloseTo(r.metrics.time_to_first_token.value / r.metrics.request_latency.value, 9);
    expect(readFileSync(join(run.dir, "profile_export_aiperf.csv"), "utf8")).toContain("TTFT Share of Latency");
    expect(run.out).toContain("TTFT Share of Latency");
  }, 120_000);

  test("transport: --transport buffered reads each reply whole, so TTFT equals the latency", async () => {
    const run = await profile(["--plugin", example("transport"), "--transport", "buffered", "--streaming", "--request-count", "4"]);
    expect(run.code).toBe(0);
    const records = readRecords(run.dir);
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r.error).toBeNull();
      expect(r.metrics.time_to_first_token.value).toBe(r.metrics.request_latency.value);
    }
  }, 120_000);

  test("a config file's --plugin is found next to the file, from any working directory", async () => {
    const folder = join(scratch, "conf");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "my-endpoint.ts"), readFileSync(example("endpoint"), "utf8").replace("../../src/plugins/api.ts", `${ROOT}/src/plugins/api.ts`));
    writeFileSync(join(folder, "bench.yaml"), "model-names: mock-model\nplugin: my-endpoint.ts\nendpoint-type: example_completions\nrequest-count: 2\n");
    const validate = await aiperf(["config", "validate", join(folder, "bench.yaml")], tmpdir());
    expect(validate).toMatchObject({ code: 0, out: expect.stringContaining("Configuration valid") });
    const run = await profile(["--config", join(folder, "bench.yaml")]);
    expect(run.code).toBe(0);
    expect(readExport(run.dir).request_count.avg).toBe(2);
  }, 120_000);
});

describe("plugin names in validation", () => {
  test("a plugin's endpoint type is unknown without its file; a typo gets a did-you-mean that includes plugin names", async () => {
    const without = await aiperf(["profile", "-m", "m", "--endpoint-type", "example_completions", "--artifact-dir", join(scratch, "never1")]);
    expect(without.code).toBe(2);
    expect(without.out).toContain("--endpoint-type");
    expect(without.out).toContain("a plugin's name is known only with its --plugin file");
    const typo = await aiperf([
      "profile",
      "-m",
      "m",
      "--plugin",
      example("endpoint"),
      "--endpoint-type",
      "example_completion",
      "--artifact-dir",
      join(scratch, "never2"),
    ]);
    expect(typo.code).toBe(2);
    expect(typo.out).toContain("did you mean example_completions?");
    const transport = await aiperf([
      "profile",
      "-m",
      "m",
      "--plugin",
      example("transport"),
      "--transport",
      "bufered",
      "--artifact-dir",
      join(scratch, "never3"),
    ]);
    expect(transport.code).toBe(2);
    expect(transport.out).toContain("did you mean buffered?");
    for (const d of ["never1", "never2", "never3"]) expect(existsSync(join(scratch, d))).toBe(false);
  }, 60_000);
});

describe("containment", () => {
  test("a plugin that is missing, throws at import or has the wrong shape: exit 2 naming the file and the cause, nothing started", async () => {
    const cases: [string, string, RegExp][] = [
      ["missing", join(scratch, "nope.ts"), /Plugin .*nope\.ts: no such file/],
      ["throws", pluginFile("throws.ts", 'throw new Error("boom at import");\nexport default {};\n'), /Plugin .*throws\.ts: failed to load: boom at import/],
      ["syntax", pluginFile("syntax.ts", "export default { endpoints: [ ;\n"), /Plugin .*syntax\.ts: failed to load/],
      [
        "shape",
        pluginFile("shape.ts", 'export default { endpoints: [{ name: "x_type" }] };\n'),
        /Plugin .*shape\.ts: endpoint "x_type": defaultPath must be a string/,
      ],
      [
        "taken",
        pluginFile("taken.ts", 'export default { transports: [{ name: "raw", capture: async () => ({}) }] };\n'),
        /Plugin .*taken\.ts: transport "raw" is already registered \(by built-in\)/,
      ],
    ];
    for (const [name, path, message] of cases) {
      const dir = join(scratch, `never-${name}`);
      const { code, out } = await aiperf(["profile", "-m", "mock-model", "-u", server.url, "--plugin", path, "--artifact-dir", dir]);
      expect({ name, code }).toEqual({ name, code: 2 });
      expect(out).toMatch(message);
      expect(existsSync(dir)).toBe(false);
    }
  }, 120_000);

  test("an endpoint whose parser throws: every request an error record naming the plugin, never a crash or hang", async () => {
    const path = pluginFile(
      "bad-parser.ts",
      `export default { endpoints: [{ name: "bad_parser", defaultPath: "/v1/completions", category: "llm", streams: true, producesTokens: true,
        buildBody: (turn) => ({ model: turn.model, prompt: turn.texts[0] }),
        parseResponse: () => { throw new Error("cannot read this"); } }] };\n`,
    );
    const run = await profile(["--plugin", path, "--endpoint-type", "bad_parser", "--request-count", "3"]);
    expect(run.code).toBe(1);
    const errors = readExport(run.dir).error_summary as { error_details: { type: string; message: string }; count: number }[];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.count).toBe(3);
    expect(errors[0]?.error_details.type).toBe("PluginError");
    expect(errors[0]?.error_details.message).toContain(`plugin ${path}: endpoint "bad_parser" parseResponse threw: cannot read this`);
  }, 120_000);

  test("a transport that throws: error records naming the plugin, every credit returned", async () => {
    const path = pluginFile(
      "bad-transport.ts",
      'export default { transports: [{ name: "broken", capture: async () => { throw new Error("no route"); } }] };\n',
    );
    const run = await profile(["--plugin", path, "--transport", "broken", "--request-count", "3"]);
    expect(run.code).toBe(1);
    const records = readRecords(run.dir);
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.error).toMatchObject({ type: "PluginError", message: `plugin ${path}: transport "broken" threw: no route` });
  }, 120_000);

  test("a metric that throws: absent, with a warning naming the plugin; the run and its other metrics intact", async () => {
    const path = pluginFile(
      "bad-metric.ts",
      `export default { metrics: [
        { kind: "record", tag: "flaky_metric", header: "Flaky", unit: "ratio", compute: (_r, v) => { if (v.request_latency > 0) throw new Error("flaky failed"); return 1; } },
        { kind: "derived", tag: "bad_derived", header: "Bad Derived", unit: "requests", derive: () => { throw new Error("derive failed"); } },
        { kind: "derived", tag: "good_derived", header: "Good Derived", unit: "requests", derive: (inputs) => inputs.aggregate("request_count") },
      ] };\n`,
    );
    const run = await profile(["--plugin", path, "--request-count", "3"]);
    expect(run.code).toBe(0);
    const doc = readExport(run.dir);
    expect(doc.flaky_metric).toBeUndefined();
    expect(doc.bad_derived).toBeUndefined();
    expect(doc.good_derived).toMatchObject({ avg: 3 });
    expect(doc.request_count.avg).toBe(3);
    expect(run.out).toContain(`Metric "flaky_metric" of plugin ${path} threw (flaky failed)`);
    expect(run.out).toContain(`Metric "bad_derived" of plugin ${path} threw (derive failed)`);
  }, 120_000);
});
