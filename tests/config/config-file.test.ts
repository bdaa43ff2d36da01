/** -f/--config files: both shapes map onto profile flags; every error names file, line and key. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandVariations, validateVariation } from "../../src/config/config-expand.ts";
import { fileFlagArgs, kebab, parseProfileInput, readConfigFile, readProfileInput, splitConfigArg } from "../../src/config/config-file.ts";
import { jsonErrorLine, scanKeyLines } from "../../src/config/file-lines.ts";
import { BenchError } from "../../src/core/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-config-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, ext = "yaml"): string {
  const path = join(dir, `c${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}
function error(fn: () => unknown): BenchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).exitCode).toBe(2);
    return e as BenchError;
  }
  throw new Error("expected an error");
}

describe("flag-name keys", () => {
  test("kebab, snake and camel case name the same flag; aliases work", () => {
    expect(kebab("requestCount")).toBe("request-count");
    expect(kebab("request_count")).toBe("request-count");
    const path = file("model: m\nrequest_count: 5\nwarmupRequestCount: 2\nnum-prompts: 9\nstreaming: true\nno-preflight: false\n");
    expect(fileFlagArgs(readConfigFile(path).flags)).toEqual([
      "--model",
      "m",
      "--request-count",
      "5",
      "--warmup-request-count",
      "2",
      "--num-prompts",
      "9",
      "--streaming",
      "--no-preflight=false",
    ]);
  });

  test("lists pass through comma-joined, as the CLI would receive them (sweeps parse them)", () => {
    const path = file("model: [a, b]\nconcurrency: [2, 4, 8]\n");
    const flags = readConfigFile(path).flags;
    expect(fileFlagArgs(flags)).toEqual(["--model", "a,b", "--concurrency", "2,4,8"]);
    expect(flags.map((f) => f.line)).toEqual([1, 2]);
  });

  test("mappings for key:value flags and --goodput", () => {
    const path = file('model: m\nextra-inputs:\n  temperature: 0.5\nheader: ["a:b", "c:d"]\ngoodput:\n  time_to_first_token: 100\n  inter_token_latency: 5\n');
    expect(fileFlagArgs(readConfigFile(path).flags)).toEqual([
      "--model",
      "m",
      "--extra-inputs",
      '{"temperature":0.5}',
      "--header",
      "a:b",
      "--header",
      "c:d",
      "--goodput",
      "time_to_first_token:100 inter_token_latency:5",
    ]);
  });

  test("JSON files too", () => {
    const path = file('{\n  "model": "m",\n  "concurrency": 3\n}\n', "json");
    const flags = readConfigFile(path).flags;
    expect(fileFlagArgs(flags)).toEqual(["--model", "m", "--concurrency", "3"]);
    expect(flags.map((f) => f.line)).toEqual([2, 3]);
  });
});

describe("upstream's sections", () => {
  test("benchmark.endpoint/dataset/phases/slos/artifacts become our flags", () => {
    const path = file(`schemaVersion: "2.0"
randomSeed: 42
benchmark:
  model: llama
  endpoint:
    url: http://localhost:8000
    type: chat
    streaming: true
    timeout: 120.0
  dataset:
    type: synthetic
    entries: 50
    prompts:
      isl: {mean: 512, stddev: 100}
      osl: 128
  phases:
    - name: warmup
      kind: warmup
      type: concurrency
      requests: 10
      concurrency: 2
    - name: profiling
      type: poisson
      rate: 30.0
      concurrency: 100
      duration: 120
      gracePeriod: 60
  slos:
    time_to_first_token: 500
  artifacts:
    dir: ./out
`);
    const flags = readConfigFile(path).flags;
    expect(fileFlagArgs(flags)).toEqual([
      "--random-seed",
      "42",
      "--model",
      "llama",
      "--url",
      "http://localhost:8000",
      "--endpoint-type",
      "chat",
      "--streaming",
      "--request-timeout-seconds",
      "120",
      "--conversation-num",
      "50",
      "--isl",
      "512",
      "--isl-stddev",
      "100",
      "--osl",
      "128",
      "--warmup-request-count",
      "10",
      "--warmup-concurrency",
      "2",
      "--arrival-pattern",
      "poisson",
      "--request-rate",
      "30",
      "--concurrency",
      "100",
      "--benchmark-duration",
      "120",
      "--benchmark-grace-period",
      "60",
      "--goodput",
      "time_to_first_token:500",
      "--artifact-dir",
      "./out",
    ]);
    expect(flags.find((f) => f.flag === "--request-rate")?.line).toBe(24);
    expect(flags.find((f) => f.flag === "--warmup-concurrency")?.line).toBe(21);
    const parsed = parseProfileInput(readProfileInput(["--config", path]));
    expect(parsed.requestRate).toBe(30);
    expect(parsed.warmupConcurrency).toBe(2);
  });

  test("one flat phase and models.items", () => {
    const path = file("models:\n  items:\n    - name: a\n    - name: b\nphases:\n  type: concurrency\n  concurrency: 8\n  requests: 100\n");
    expect(fileFlagArgs(readConfigFile(path).flags)).toEqual(["--model", "a,b", "--concurrency", "8", "--request-count", "100"]);
  });
});

describe("errors name file, line and key", () => {
  test("a misspelt key: did you mean", () => {
    const path = file("model: m\nbenchmark:\n  concurency: 4\n");
    expect(error(() => readConfigFile(path)).message).toBe(`${path}:3: benchmark.concurency: unknown key "concurency"; did you mean "concurrency"?`);
  });

  test("a misspelt phase field", () => {
    const path = file("model: m\nphases:\n  type: concurrency\n  requets: 4\n");
    expect(error(() => readConfigFile(path)).message).toBe(`${path}:4: phases.requets: unknown key "requets"; did you mean "requests"?`);
  });

  test("a key given twice (YAML would keep the second silently)", () => {
    const path = file("model: m\nrequest-count: 4\nrequest-count: 5\n");
    expect(error(() => readConfigFile(path)).message).toBe(`${path}:3: key "request-count" is given twice (first on line 2)`);
  });

  test("YAML and JSON syntax errors: the line", () => {
    const yaml = file("model: m\nurl: [a, b\nconcurrency: 3\n");
    expect(error(() => readConfigFile(yaml)).message).toStartWith(`${yaml}:2: not valid YAML`);
    const json = file('{\n  "model": "m",\n  "x": ]\n}\n', "json");
    expect(error(() => readConfigFile(json)).message).toStartWith(`${json}:3: not valid JSON`);
    expect(jsonErrorLine('{"a": 1}')).toBe(1);
    expect(jsonErrorLine('{\n"a": 1,\n"b" 2\n}')).toBe(3);
  });

  test("a bad value is reported by the flag's own rule, at its line", () => {
    const path = file("model: m\nrequest-count: -4\n");
    expect(error(() => parseProfileInput(readProfileInput(["-f", path]))).message).toBe(
      `${path}:2: request-count: Invalid value -4 for --request-count: must be at least 1`,
    );
    const bool = file("model: m\nstreaming: maybe\n");
    expect(error(() => readConfigFile(bool)).message).toBe(`${bool}:2: streaming: expected true or false, got "maybe"`);
    const number = file("model: m\nconcurrency: lots\n");
    expect(error(() => readProfileInput(["-f", number])).message).toBe(`${number}:2: concurrency: Invalid value "lots" for --concurrency: expected a number`);
  });

  test("a missing file, a list at the top, an unsupported upstream block", () => {
    expect(error(() => readConfigFile(join(dir, "nope.yaml"))).message).toBe(`Cannot read config file ${join(dir, "nope.yaml")}: no such file`);
    const list = file("- a\n- b\n");
    expect(error(() => readConfigFile(list)).message).toStartWith(`${list}:1: expected a mapping of options`);
    const sweep = file("model: m\nsweep:\n  type: grid\n");
    expect(error(() => readConfigFile(sweep)).hint).toBe("give a list instead, e.g. concurrency: [2, 4, 8]");
  });
});

describe("the command line over the file", () => {
  test("-f/--config/--config= are split off; one file only", () => {
    expect(splitConfigArg(["-m", "x", "-f", "a.yaml", "--streaming"])).toEqual({ configPath: "a.yaml", rest: ["-m", "x", "--streaming"] });
    expect(splitConfigArg(["--config=a.yaml"])).toEqual({ configPath: "a.yaml", rest: [] });
    expect(error(() => splitConfigArg(["-f", "a.yaml", "--config", "b.yaml"])).message).toContain("Only one config file");
    expect(error(() => splitConfigArg(["--config"])).message).toContain("a config file path is required");
  });

  test("a flag on the command line replaces the file's value, lists included", () => {
    const path = file("model: [a, b]\nrequest-count: 7\nconcurrency: 2\n");
    const parsed = parseProfileInput(readProfileInput(["-f", path, "--request-count", "3", "-m", "c"]));
    expect(parsed.requestCount).toBe(3);
    expect(parsed.model).toEqual(["c"]);
    expect(parsed.concurrency).toBe(2);
  });

  test("a bad value on the command line is not blamed on the file", () => {
    const path = file("model: m\nrequest-count: 7\n");
    expect(error(() => parseProfileInput(readProfileInput(["-f", path, "--request-count", "0"]))).message).toBe(
      "Invalid value 0 for --request-count: must be at least 1",
    );
  });
});

describe("expand", () => {
  test("lists on number flags are the cartesian product, each variation valid", () => {
    const path = file("model: m\nconcurrency: [1, 2]\nrequest-rate: [5, 10]\nrequest-count: 4\n");
    const cfg = readConfigFile(path);
    const variations = expandVariations(cfg);
    expect(variations.map((v) => v.label)).toEqual([
      "concurrency=1, request-rate=5",
      "concurrency=1, request-rate=10",
      "concurrency=2, request-rate=5",
      "concurrency=2, request-rate=10",
    ]);
    expect(fileFlagArgs(variations[3]?.flags ?? [])).toEqual(["--model", "m", "--concurrency", "2", "--request-rate", "10", "--request-count", "4"]);
    for (const v of variations) expect(validateVariation(cfg, v).concurrency).toBeGreaterThan(0);
  });

  test("no lists: one base variation; a bad point is named", () => {
    expect(expandVariations(readConfigFile(file("model: m\n"))).map((v) => v.label)).toEqual(["base"]);
    const path = file("model: m\nconcurrency: [2, 0]\n");
    const cfg = readConfigFile(path);
    expect(error(() => expandVariations(cfg).forEach((v) => validateVariation(cfg, v))).message).toBe(
      `${path} (variation 1: concurrency=0): Invalid value 0 for --concurrency: must be at least 1`,
    );
  });
});

test("key lines follow indentation and sequence items", () => {
  const scan = scanKeyLines("a: 1\nb:\n  c: 2\n  d:\n    - e: 3\n      f: 4\n    - e: 5\n# note\ng: 6\n");
  expect(Object.fromEntries(scan.lines)).toEqual({ a: 1, b: 2, "b.c": 3, "b.d": 4, "b.d.0.e": 5, "b.d.0.f": 6, "b.d.1.e": 7, g: 9 });
  expect(scan.duplicate).toBeUndefined();
});

test("${NAME} and ${NAME:-default} come from the environment; an unset name is an error at its line", () => {
  process.env.AIPERF_TEST_KEY = "sk-123";
  try {
    const path = file("model: m\napi-key: ${AIPERF_TEST_KEY}\nurl: http://${AIPERF_TEST_UNSET_HOST:-localhost}:8000\nheader:\n  x-key: ${AIPERF_TEST_KEY}\n");
    expect(fileFlagArgs(readConfigFile(path).flags)).toEqual([
      "--model",
      "m",
      "--api-key",
      "sk-123",
      "--url",
      "http://localhost:8000",
      "--header",
      '{"x-key":"sk-123"}',
    ]);
    const unset = file("model: m\nurl: ${AIPERF_TEST_UNSET_HOST}\n");
    expect(error(() => readConfigFile(unset)).message).toBe(`${unset}:2: url: environment variable AIPERF_TEST_UNSET_HOST is not set`);
  } finally {
    delete process.env.AIPERF_TEST_KEY;
  }
});

test("block scalars and multi-line flow collections hold no keys (no false duplicates); JSON lists of objects are fine", () => {
  const scan = scanKeyLines("a: |\n  role: x\n  role: y\nb: [\n  {name: p},\n  {name: q}\n]\nc: 1\n");
  expect(scan.duplicate).toBeUndefined();
  expect(Object.fromEntries(scan.lines)).toEqual({ a: 1, b: 4, c: 8 });
  const json = file(
    '{\n  "model": "m",\n  "phases": [\n    {\n      "name": "warmup",\n      "kind": "warmup",\n      "requests": 2\n    },\n    {\n      "name": "profiling",\n      "requests": 5\n    }\n  ]\n}\n',
    "json",
  );
  const flags = readConfigFile(json).flags;
  expect(fileFlagArgs(flags)).toEqual(["--model", "m", "--warmup-request-count", "2", "--request-count", "5"]);
});

test("JSON objects in a list are numbered like YAML items", () => {
  const scan = scanKeyLines('{\n  "phases": [\n    {\n      "requests": 2\n    },\n    {\n      "requests": 5\n    }\n  ]\n}\n', true);
  expect(Object.fromEntries(scan.lines)).toEqual({ phases: 2, "phases.0.requests": 4, "phases.1.requests": 7 });
});
