/**
 * `aiperf mock-server` and `aiperf bus-demo` read their flags as strictly as profile does
 * (cli/flags.ts), on the compiled binary: an unknown flag gets a "did you mean", a bad value one
 * message naming the flag, the value and the rule, and both exit 2 before anything starts (no
 * server listening, no artifacts directory). Their help pages still work.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "./support.ts";

type Run = { code: number; out: string; err: string; cwd: string };

/** Runs the binary in a fresh folder; killed after 10 s, so a server that started anyway fails the test instead of hanging it. */
async function aiperf(args: string[]): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-cmdflags-"));
  const proc = Bun.spawn([BINARY, ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, out, err, cwd };
}

/** Exit 2, the exact message on stderr, nothing on stdout (no "listening"), no stack, no artifacts. */
function expectUserError(r: Run, message: string, hint?: string): void {
  expect(r.err).toContain(`Error: ${message}\n`);
  if (hint !== undefined) expect(r.err).toContain(`Hint: ${hint}`);
  expect(r.code).toBe(2);
  expect(r.out).toBe("");
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err).not.toMatch(/Expected|Received|Invalid type|Invalid key/);
  expect(existsSync(join(r.cwd, "artifacts"))).toBe(false);
}

beforeAll(() => ensureBinary(), 120_000);

describe("aiperf mock-server refuses bad flags before it listens (compiled)", () => {
  const help = 'Run "aiperf mock-server --help" for the list of options';
  const cases: [string[], string, string?][] = [
    [["--prot", "1"], 'Unknown option "--prot"; did you mean --port?', help],
    [["--prot=1"], 'Unknown option "--prot=1"; did you mean --port?', help],
    [["--error-rat", "5"], 'Unknown option "--error-rat"; did you mean --error-rate?', help],
    [["--port", "0", "9000"], 'Unexpected argument "9000": mock-server takes only options', help],
    [["--port", "99999"], 'Invalid value "99999" for --port: expected an integer from 0 to 65535'],
    [["--port", "-1"], 'Invalid value "-1" for --port: expected an integer from 0 to 65535'],
    [["--port", "0x10"], 'Invalid value "0x10" for --port: expected an integer from 0 to 65535'],
    [["--port=abc"], 'Invalid value "abc" for --port: expected an integer from 0 to 65535'],
    [["--port"], "Invalid value null for --port: a value is required"],
    [["--error-rate", "200"], 'Invalid value "200" for --error-rate: expected a number from 0 to 100'],
    [["--random-seed", "x"], 'Invalid value "x" for --random-seed: expected an integer from 0 to 4294967295'],
    [["--host="], 'Invalid value "" for --host: expected a non-empty value'],
  ];
  for (const [args, message, hint] of cases) {
    test(args.join(" "), async () => expectUserError(await aiperf(["mock-server", ...args]), message, hint));
  }

  test("good flags, in both spellings, still start it", async () => {
    const proc = Bun.spawn([BINARY, "mock-server", "--port=0", "--ttft", "1", "--error-rate=0", "--random-seed", "7"], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let text = "";
    while (!/random seed 7\./.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(text).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(text).toContain("ttft 1 ms");
  }, 20_000);
});

describe("aiperf bus-demo refuses bad flags before any service starts (compiled)", () => {
  const help = 'Run "aiperf bus-demo --help" for the list of options';
  const cases: [string[], string, string?][] = [
    [["--wrkers", "2"], 'Unknown option "--wrkers"; did you mean --workers?', help],
    [["--in-proces"], 'Unknown option "--in-proces"; did you mean --in-process?', help],
    [["8"], 'Unexpected argument "8": bus-demo takes only options', help],
    [["--workers", "0"], 'Invalid value "0" for --workers: expected an integer from 1 to 256'],
    [["--messages", "1e99"], 'Invalid value "1e99" for --messages: expected an integer from 1 to 10000000000'],
    [["--transport", "udp"], 'Invalid value "udp" for --transport: expected one of ipc, tcp, inproc'],
    [["--log-level=loud"], 'Invalid value "loud" for --log-level: expected one of error, warn, info, debug, trace'],
    [["--in-process=maybe"], 'Invalid value "maybe" for --in-process: expected true or false (or the flag alone)'],
  ];
  for (const [args, message, hint] of cases) {
    test(args.join(" "), async () => expectUserError(await aiperf(["bus-demo", ...args]), message, hint));
  }

  test("good flags, in both spellings, still run it", async () => {
    const r = await aiperf(["bus-demo", "--in-process", "--workers=2", "--messages", "100", "--log-level=warn"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
  }, 20_000);
});

describe("their help pages (compiled)", () => {
  for (const [cmd, entry] of [
    ["mock-server", "--port <port>"],
    ["bus-demo", "--transport <ipc|tcp|inproc>"],
  ] as const) {
    test(`aiperf ${cmd} --help and aiperf help ${cmd}`, async () => {
      for (const args of [
        [cmd, "--help"],
        ["help", cmd],
        [cmd, "--prot", "--help"],
      ]) {
        const r = await aiperf(args);
        expect(r.code).toBe(0);
        expect(r.out).toContain(`aiperf ${cmd} v`);
        expect(r.out).toContain(entry);
      }
    });
  }
});
