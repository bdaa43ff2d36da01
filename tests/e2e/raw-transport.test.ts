/**
 * The raw transport (--transport raw) on the compiled binary, through the same tests as fetch:
 * a representative subset of the e2e and fault files is run again by a nested `bun test` with
 * AIPERF_TEST_TRANSPORT=raw, which makes their support add --transport raw to every profile run.
 * The whole set runs on raw with `AIPERF_TEST_TRANSPORT=raw bun test tests/e2e tests/faults`.
 */
import { describe, expect, test } from "bun:test";
import { ROOT } from "../process/helpers.ts";
import { onTestTransport } from "./support.ts";

/** `bun test FILES [-t PATTERN]` on the raw transport; its summary counts and output. */
async function onRaw(files: string[], pattern?: string): Promise<{ code: number; pass: number; fail: number; out: string }> {
  const args = [process.execPath, "test", "--timeout", "200000", ...files, ...(pattern === undefined ? [] : ["-t", pattern])];
  const proc = Bun.spawn(args, { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, AIPERF_TEST_TRANSPORT: "raw", NO_COLOR: "1" } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const text = out + err;
  const count = (word: string): number => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(text)?.[1] ?? 0);
  return { code: await proc.exited, pass: count("pass"), fail: count("fail"), out: text };
}

/** The nested run's last output (its failures and their errors), for the assertion message. */
const failures = (out: string): string => out.slice(-8000);

describe("the raw transport passes the fetch transport's tests", () => {
  test("AIPERF_TEST_TRANSPORT adds --transport to profile runs only, and never twice", () => {
    const before = process.env.AIPERF_TEST_TRANSPORT;
    process.env.AIPERF_TEST_TRANSPORT = "raw";
    try {
      expect(onTestTransport(["profile", "-m", "m"])).toEqual(["profile", "--transport", "raw", "-m", "m"]);
      expect(onTestTransport(["profile", "--transport", "fetch"])).toEqual(["profile", "--transport", "fetch"]);
      expect(onTestTransport(["mock-server", "--port", "0"])).toEqual(["mock-server", "--port", "0"]);
    } finally {
      if (before === undefined) delete process.env.AIPERF_TEST_TRANSPORT;
      else process.env.AIPERF_TEST_TRANSPORT = before;
    }
  });

  // Its Ctrl-C test is left out: it signals one second after start-up, which on a saturated 2-core
  // box falls before the first request on either transport (interrupts on raw: tests/faults/lifecycle.test.ts with AIPERF_TEST_TRANSPORT=raw).
  test("chat, completions and embeddings, errors, a dead server, cancellation (profile.test.ts)", async () => {
    const r = await onRaw(["tests/e2e/profile.test.ts"], "^(?!.*Ctrl-C)");
    expect(r.fail, failures(r.out)).toBe(0);
    expect(r.code, failures(r.out)).toBe(0);
    expect(r.pass).toBeGreaterThanOrEqual(9);
  }, 900_000);

  test("streaming dialects and multipart uploads (endpoints.test.ts: huggingface_generate, messages, responses, audio_transcription)", async () => {
    const r = await onRaw(["tests/e2e/endpoints.test.ts"], "huggingface_generate streams|messages streams|responses streams|audio_transcription uploads");
    expect(r.fail, failures(r.out)).toBe(0);
    expect(r.code, failures(r.out)).toBe(0);
    expect(r.pass).toBe(4);
  }, 900_000);

  test("credentials in the URL go out as Basic auth and are redacted everywhere (faults/security.test.ts)", async () => {
    const r = await onRaw(["tests/faults/security.test.ts"], "credentials in URLs");
    expect(r.fail, failures(r.out)).toBe(0);
    expect(r.code, failures(r.out)).toBe(0);
    expect(r.pass).toBe(1);
  }, 900_000);

  test("long, oversized and garbled replies, stale keep-alive retry, resets (faults/replies.test.ts)", async () => {
    const r = await onRaw(["tests/faults/replies.test.ts"]);
    expect(r.fail, failures(r.out)).toBe(0);
    expect(r.code, failures(r.out)).toBe(0);
    expect(r.pass).toBeGreaterThanOrEqual(8);
  }, 900_000);
});
