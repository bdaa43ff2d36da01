/**
 * User mistakes on the compiled binary: each is one message naming the input and the fix, exit 2,
 * no stack trace, and nothing started (no artifacts) when it is caught before the run.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, readExport, useMockServer } from "./support.ts";

type Run = { code: number; out: string; cwd: string };

async function aiperf(args: string[]): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-usererr-"));
  const proc = Bun.spawn([BINARY, ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err, cwd };
}

/** Exit 2, the expected text, no stack, and no artifact directory made. */
function expectUserError(r: Run, ...texts: string[]): void {
  expect(r.code).toBe(2);
  for (const t of texts) expect(r.out).toContain(t);
  expect(r.out).not.toMatch(/\n\s+at /);
  expect(r.out).not.toContain("Invalid key");
  expect(existsSync(join(r.cwd, "artifacts"))).toBe(false);
}

const mock = useMockServer(["--ttft", "1", "--itl", "1"]);
beforeAll(() => ensureBinary(), 120_000);

describe("bad --url and --header values stop before anything starts (compiled)", () => {
  const cases: [string, string][] = [
    ["127.0.0.1", "no port given; write 127.0.0.1:8000"],
    ["http//localhost:8000", "did you mean http://localhost:8000?"],
    ["http://localhost:99999", "port 99999 is out of range"],
    ["file:///tmp/x", "file:// is not supported"],
    ["ftp://example.com:21", "ftp:// is not supported"],
  ];
  for (const [url, fix] of cases) {
    test(`-u ${url}`, async () => {
      const r = await aiperf(["profile", "-m", "m", "-u", url]);
      expectUserError(r, `Invalid value ${JSON.stringify(url)} for --url`, fix);
    });
  }

  test("a header name with a space", async () => {
    const r = await aiperf(["profile", "-m", "m", "-u", "localhost:8000", "-H", "X Custom:1"]);
    expectUserError(r, `"X Custom" is not a valid header name`);
  });
});

describe("flags, commands and help (compiled)", () => {
  test("a missing -m names the flag, not the schema key", async () => {
    const r = await aiperf(["profile", "-u", "localhost:8000"]);
    expectUserError(r, "Missing --model (-m)", "-m Qwen/Qwen3-0.6B");
  });

  test("a mistyped flag gets a did-you-mean", async () => {
    const r = await aiperf(["profile", "-m", "m", "--concurency", "4"]);
    expectUserError(r, 'Unknown option "--concurency"; did you mean --concurrency?');
  });

  test("a model given without -m is named as such", async () => {
    const r = await aiperf(["profile", "my-model"]);
    expectUserError(r, 'Unexpected argument "my-model"', "-m my-model");
  });

  test("a mistyped command gets a did-you-mean", async () => {
    const r = await aiperf(["profle", "-m", "m"]);
    expectUserError(r, 'Unknown command "profle"; did you mean profile?');
  });

  test("aiperf help and aiperf help profile", async () => {
    const root = await aiperf(["help"]);
    expect(root.code).toBe(0);
    expect(root.out).toContain("profile");
    expect(root.out).toContain("mock-server");
    const profile = await aiperf(["help", "profile"]);
    expect(profile.code).toBe(0);
    expect(profile.out).toContain("--wait-for-model-timeout");
    expect(profile.out).toContain("--no-preflight");
  });
});

describe("files and directories (compiled)", () => {
  test("an --artifact-dir that cannot be made", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aiperf-usererr-"));
    const file = join(cwd, "a-file");
    writeFileSync(file, "x");
    const r = await aiperf(["profile", "-m", "m", "-u", mock.url, "--artifact-dir", join(file, "out")]);
    expectUserError(r, `Cannot write --artifact-dir ${join(file, "out")}: a file is in the way`, "give --artifact-dir a directory you can write to");
  });

  // root reads any file: the case exists only for other users.
  test.skipIf(process.getuid?.() === 0)("an --input-file that cannot be read", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aiperf-usererr-"));
    const file = join(cwd, "prompts.jsonl");
    writeFileSync(file, '{"text": "hi"}\n');
    chmodSync(file, 0o000);
    const r = await aiperf(["profile", "-m", "m", "-u", mock.url, "--input-file", file]);
    expectUserError(r, `--input-file ${file} cannot be read (permission denied)`);
  });

  test("a --tokenizer path that does not exist", async () => {
    const r = await aiperf(["profile", "-m", "mock-model", "-u", mock.url, "--tokenizer", "/nonexistent/tokenizer", "--ui", "none", "--artifact-dir", "out"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('Invalid --tokenizer: Cannot load tokenizer "/nonexistent/tokenizer": no such file or directory');
    expect(r.out).toContain("Hint: pass --tokenizer a tokenizer.json file");
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(existsSync(join(r.cwd, "out", "profile_export.jsonl"))).toBe(false);
  }, 60_000);

  test("a multi_turn file read as the default single_turn suggests the right type", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aiperf-usererr-"));
    const file = join(cwd, "sessions.jsonl");
    writeFileSync(file, `${JSON.stringify({ session_id: "a", turns: [{ text: "hi" }, { text: "more" }] })}\n`);
    const r = await aiperf(["profile", "-m", "mock-model", "-u", mock.url, "--input-file", file, "--ui", "none", "--artifact-dir", join(cwd, "out")]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${file}:1: unknown field "session_id"`);
    expect(r.out).toContain("read it with --custom-dataset-type multi_turn");
    expect(r.out).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe("error texts (compiled)", () => {
  let closer: Bun.TCPSocketListener | undefined;
  let accepted = 0;
  beforeAll(() => {
    // Reads each request, then closes the connection without an answer (a crashing proxy).
    closer = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: () => void accepted++, data: (s) => void s.end() } });
  });
  afterAll(() => closer?.stop(true));

  test("the error summary has no Bun-internal hint about fetch()'s verbose option", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aiperf-usererr-"));
    const dir = join(cwd, "out");
    const r = await aiperf([
      "profile",
      "-m",
      "m",
      "-u",
      `127.0.0.1:${closer?.port}`,
      "--request-count",
      "2",
      "--ui",
      "none",
      "--artifact-dir",
      dir,
      "--no-preflight",
      "--no-server-metrics",
      "--no-gpu-telemetry",
      "--tokenizer",
      "builtin",
    ]);
    expect(r.code).toBe(1);
    expect(accepted).toBeGreaterThanOrEqual(2);
    const summary = readExport(dir).error_summary as { error_details: { message: string }; count: number }[];
    expect(summary.reduce((n, e) => n + e.count, 0)).toBe(2);
    for (const e of summary) {
      expect(e.error_details.message).toContain("closed unexpectedly");
      expect(e.error_details.message).not.toContain("verbose: true");
    }
    expect(r.out).not.toContain("verbose: true");
  }, 60_000);
});
