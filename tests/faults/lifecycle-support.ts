/**
 * Helpers of the run-lifecycle fault tests: a small inference server that counts what it received
 * and can hang every request, and the compiled binary started in its own process group (with
 * ./support.ts's marker, whose /proc scans find its service children and anything left running).
 */
import { join } from "node:path";
import { freshDir, type Launched, launch, profileArgs } from "./support.ts";

export type FaultServer = {
  url: string;
  /** Chat requests the server received (its own count, not the client's). */
  readonly received: number;
  /** performance.now() of the first chat request (undefined before it). */
  readonly firstAtMs: number | undefined;
  stop(): Promise<void>;
};

const REPLY = JSON.stringify({
  id: "chatcmpl-fault",
  object: "chat.completion",
  model: "mock-model",
  choices: [{ index: 0, message: { role: "assistant", content: "one two three four five" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
});

/**
 * A chat server on 127.0.0.1: `hang` accepts every chat POST and never answers (until stop), else
 * each is answered after `delayMs`; it counts only those POSTs (the benchmark's requests). It serves a tiny /metrics so the server-metrics collector runs.
 */
export function startFaultServer(opts: { hang?: boolean; delayMs?: number } = {}): FaultServer {
  let received = 0;
  let firstAtMs: number | undefined;
  const held: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // A hung request must stay hung: no idle timeout closes it from our side.
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/metrics") return new Response("# TYPE fault_up gauge\nfault_up 1\n", { headers: { "content-type": "text/plain" } });
      if (path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      // As real servers do: the path exists, for POST only (the pre-flight's GET learns that much).
      if (req.method !== "POST") return new Response("method not allowed", { status: 405 });
      received++;
      firstAtMs ??= performance.now();
      await req.arrayBuffer();
      if (opts.hang === true) await new Promise<void>((resolve) => held.push(resolve));
      else if ((opts.delayMs ?? 0) > 0) await Bun.sleep(opts.delayMs as number);
      return new Response(REPLY, { headers: { "content-type": "application/json" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    get received() {
      return received;
    },
    get firstAtMs() {
      return firstAtMs;
    },
    async stop() {
      for (const release of held.splice(0)) release();
      await server.stop(true);
    },
  };
}

export type Run = Launched & { dir: string };

/**
 * `aiperf profile` against `url` in its own process group (so a test can signal the group without
 * signalling the test runner), its artifacts in `dir`. `wrapper` runs it under another command
 * (e.g. `timeout`).
 */
export function startRun(url: string, flags: string[], wrapper: string[] = []): Run {
  const cwd = freshDir();
  const dir = join(cwd, "out");
  const run = launch(profileArgs(url, dir, ["--tokenizer", "builtin", "--no-gpu-telemetry", ...flags]), { cwd, detached: true, wrapper });
  return { ...run, dir };
}

/** Waits until `check` holds, polling; false after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(20);
  }
  return true;
}
