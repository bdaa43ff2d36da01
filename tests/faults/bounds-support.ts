/**
 * Helpers for the bounds fault tests: a chat server that counts what it receives, a private
 * directory per scenario whose `tmp` is the runs' TMPDIR (so their temp directories can be
 * checked), and the failures an export counts. The runs and the scan for their processes are
 * ./support.ts's.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readExport } from "../e2e/support.ts";
import { freshDir, type LaunchOptions } from "./support.ts";

export type CountingServer = { url: string; requests(): number; stop(): Promise<void> };

/**
 * An OpenAI chat endpoint on 127.0.0.1 that counts the completions it receives, answering each
 * after `delayMs`; `/metrics` serves one Prometheus gauge when `metrics` is set (else 404).
 */
export function startCountingServer(opts: { delayMs?: number; metrics?: boolean } = {}): CountingServer {
  let count = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/metrics") {
        return opts.metrics ? new Response("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 0\n") : new Response("not found", { status: 404 });
      }
      if (req.method !== "POST" || path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      count++;
      await req.arrayBuffer();
      if (opts.delayMs) await Bun.sleep(opts.delayMs);
      return Response.json({
        id: `c${count}`,
        object: "chat.completion",
        created: 0,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "hello there" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests: () => count, stop: () => server.stop(true) };
}

/**
 * A private directory for one scenario (its artifact dirs, input files, and `tmp`: the runs' TMPDIR
 * and working directory, so that their temp directories can be checked); removed by `done`.
 */
export function scratch(): { dir: string; tmp: string; where: LaunchOptions; done(): void } {
  const dir = freshDir("bounds-fault-");
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  return { dir, tmp, where: { cwd: tmp, tmp }, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Failed requests counted in profile_export_aiperf.json's error_summary in `dir`. */
export function exportErrors(dir: string): number {
  const doc = readExport<{ error_summary?: { count: number }[] }>(dir);
  return (doc.error_summary ?? []).reduce((n, e) => n + e.count, 0);
}
