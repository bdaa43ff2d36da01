/**
 * What the security fault tests share: a fault server of our own (an OpenAI-style chat endpoint,
 * a /metrics page and a DCGM page on 127.0.0.1) that logs every request it receives, the files a
 * run wrote, a planted shared library built with gcc and a check for terminal control bytes. The
 * runs themselves and the scan for their processes are ./support.ts's.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Received = { method: string; path: string; authorization: string | null };

export type FaultServer = {
  url: string;
  port: number;
  /** Every request, in arrival order: the server's own count. */
  received: Received[];
  completions(): number;
  stop(): Promise<void>;
};

export type FaultServerOptions = {
  /** The chat endpoint's answer: a completion, or this status with this body. */
  fail?: { status: number; body: string };
  /** Held this long before each chat answer (keeps a run going). */
  delayMs?: number;
};

const COMPLETION = JSON.stringify({
  id: "c",
  object: "chat.completion",
  created: 0,
  model: "mock-model",
  choices: [{ index: 0, message: { role: "assistant", content: "hello there" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

const PROMETHEUS = "# TYPE requests_total counter\nrequests_total 1\n# TYPE requests_running gauge\nrequests_running 0\n";
const DCGM = 'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-0",modelName="Test GPU"} 100\nDCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-0",modelName="Test GPU"} 50\n';

export function startFaultServer(opts: FaultServerOptions = {}): FaultServer {
  const received: Received[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      received.push({ method: req.method, path, authorization: req.headers.get("authorization") });
      if (path === "/metrics") return new Response(PROMETHEUS);
      if (path === "/dcgm") return new Response(DCGM);
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      await req.arrayBuffer();
      if (opts.delayMs !== undefined) await Bun.sleep(opts.delayMs);
      if (opts.fail !== undefined) return new Response(opts.fail.body, { status: opts.fail.status });
      return new Response(COMPLETION, { headers: { "content-type": "application/json" } });
    },
  });
  const port = server.port as number;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    completions: () => received.filter((r) => r.method === "POST").length,
    stop: () => server.stop(true),
  };
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

export const HAS_GCC = Bun.which("gcc") !== null;

/**
 * Builds `<dir>/libnvidia-ml.so.1` whose constructor creates `marker`: loading it at all (not
 * calling anything in it) leaves the file behind.
 */
export async function plantNvml(dir: string, marker: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const source = join(dir, "planted.c");
  const lib = join(dir, "libnvidia-ml.so.1");
  writeFileSync(
    source,
    `#include <stdio.h>\n__attribute__((constructor)) static void planted(void) { FILE *f = fopen(${JSON.stringify(marker)}, "w"); if (f) { fputs("loaded", f); fclose(f); } }\nint nvmlInit_v2(void) { return 999; }\n`,
  );
  const gcc = Bun.spawn(["gcc", "-shared", "-fPIC", "-o", lib, source], { stdout: "pipe", stderr: "pipe" });
  const err = await new Response(gcc.stderr).text();
  if ((await gcc.exited) !== 0) throw new Error(`gcc failed: ${err}`);
  return lib;
}

/** True when any byte of `bytes` is ESC (0x1b) or BEL (0x07). */
export function hasTerminalControl(bytes: Uint8Array): boolean {
  return bytes.includes(0x1b) || bytes.includes(0x07);
}
