import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

test("aiperf mock-server from source: prints its URL, serves, resets quietly, stops on SIGTERM with exit code 0", async () => {
  const proc = Bun.spawn([process.execPath, "src/main.ts", "mock-server", "--port", "0", "--ttft", "5", "--itl", "1", "--osl", "3", "--reset-rate", "100"], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const stderr = new Response(proc.stderr).text();
  const reader = proc.stdout.getReader();
  let out = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mock-server exited early: ${out}${await stderr}`);
    out += new TextDecoder().decode(value);
    url = /Mock server listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1];
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      out += new TextDecoder().decode(value);
    }
  })();

  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { usage: { completion_tokens: number } };
  expect(body.usage.completion_tokens).toBe(3);
  // --reset-rate applies to streams only; a reset stream must not print anything on the server side.
  const stream = await fetch(`${url}/v1/completions`, { method: "POST", body: JSON.stringify({ prompt: "x", stream: true }) })
    .then((r) => r.text())
    .then(
      (text) => text,
      (error: unknown) => error,
    );
  expect(String(stream)).toContain("ECONNRESET");

  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  expect(await rest).toContain("Received SIGTERM");
  expect(await stderr).toBe("");
}, 30_000);

test("aiperf mock-server --help lists every flag with its default", async () => {
  const proc = Bun.spawn([process.execPath, "src/main.ts", "mock-server", "--help"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const text = (await new Response(proc.stdout).text()).replace(/\x1b\[[0-9;]*m/g, "");
  expect(await proc.exited).toBe(0);
  for (const [flag, value] of [
    ["--port", "8000"],
    ["--host", "127.0.0.1"],
    ["--ttft", "20"],
    ["--itl", "5"],
    ["--osl", "32"],
    ["--error-rate", "0"],
    ["--reset-rate", "0"],
    ["--stall-rate", "0"],
    ["--stall-ms", "1000"],
    ["--model", "mock-model"],
  ]) {
    // One entry per flag (cli/help.ts): "  --port <port>" then its wrapped description.
    const entry = text.split(/\n(?= {2}-)/).find((e) => e.trimStart().startsWith(`${flag} <`));
    expect(entry?.replace(/\s+/g, " ")).toContain(`(Default: ${value})`);
  }
  expect(text).toContain("--random-seed");
}, 30_000);
