/**
 * Fault servers and a run harness for tests/faults/replies.test.ts: the compiled binary against
 * a server of ours on 127.0.0.1 that counts what it received, plus the checks every scenario makes
 * (exit code, time to stop, nothing left running, peak RSS of the run's processes).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Finished, finish, freshDir, killMarked, launch, leftRunning, markedPids, profileArgs } from "./support.ts";

export type FaultServer = { url: string; received(): number; stop(): Promise<void> };

/** Bun.serve on a free loopback port; every POST is counted before `reply` answers it. */
export function serveReplies(reply: (n: number) => Response): FaultServer {
  let received = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      await req.arrayBuffer();
      return reply(++received);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, received: () => received, stop: () => server.stop(true) };
}

/** A streamed body: `parts` pulled one at a time (never all in memory), `pauseMs` between them. */
export function streamed(parts: Iterable<Uint8Array | string>, contentType: string, pauseMs = 0): Response {
  const it = parts[Symbol.iterator]();
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const next = it.next();
      if (next.done) return ctl.close();
      if (pauseMs > 0) await Bun.sleep(pauseMs);
      ctl.enqueue(typeof next.value === "string" ? enc.encode(next.value) : next.value);
    },
  });
  return new Response(body, { headers: { "content-type": contentType } });
}

/** One chat-completion chunk as an SSE event. */
export function chunkEvent(content: string): string {
  return `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;
}

/** `n` letters with no space, varied so that BPE has work to do (deterministic). */
export function letters(n: number): string {
  const out = new Uint8Array(n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 26);
  }
  return new TextDecoder().decode(out);
}

/**
 * A keep-alive HTTP/1.1 server that drops connections idle longer than `idleMs` without a word
 * (no FIN, as a NAT or load balancer that forgot the flow): the next request on such a connection
 * is not processed, the connection is reset, and it is counted as `dropped`, not `received`.
 */
export function staleKeepAliveServer(idleMs: number): FaultServer & { dropped(): number; connections(): number } {
  let received = 0;
  let dropped = 0;
  let connections = 0;
  type State = { buf: Buffer; last: number };
  const body = JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "fine thanks" } }] });
  const listener = Bun.listen<State>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        connections++;
        s.data = { buf: Buffer.alloc(0), last: performance.now() };
      },
      data(s, bytes) {
        const st = s.data;
        if (st.buf.length === 0 && performance.now() - st.last > idleMs) {
          // Only requests count (the run's /metrics scrapes are GETs).
          if (bytes.subarray(0, 5).toString("latin1") === "POST ") dropped++;
          s.terminate();
          return;
        }
        st.buf = Buffer.concat([st.buf, bytes]);
        for (;;) {
          const head = st.buf.indexOf("\r\n\r\n");
          if (head < 0) break;
          const headers = st.buf.subarray(0, head).toString("latin1");
          const length = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
          if (st.buf.length < head + 4 + length) break;
          st.buf = st.buf.subarray(head + 4 + length);
          if (!headers.startsWith("POST ")) {
            s.write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n");
            continue;
          }
          received++;
          s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n${body}`);
        }
        st.last = performance.now();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    received: () => received,
    dropped: () => dropped,
    connections: () => connections,
    stop: async () => listener.stop(true),
  };
}

export type FaultRun = Finished & { dir: string; seconds: number; peakRssMb: number; leftOver: number[] };

/**
 * `aiperf profile` against `url` (./support.ts's run, with its marker): the peak RSS of every marked
 * process is sampled while it runs, and after it exits the marked processes still alive are listed
 * (they should be none).
 */
export async function runMarked(url: string, flags: string[], timeoutMs = 120_000): Promise<FaultRun> {
  const cwd = freshDir();
  const dir = join(cwd, "out");
  const run = launch(profileArgs(url, dir, ["--tokenizer", "builtin", ...flags]), { cwd });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOfMarked(run.mark))), 100);
  try {
    const done = await finish(run, timeoutMs);
    // Children get a moment to see their controller's pipe close.
    return { ...done, dir, seconds: done.ms / 1000, peakRssMb: peak / 1024, leftOver: await leftRunning(run.mark, 300) };
  } finally {
    clearInterval(sampler);
    killMarked(run.mark);
  }
}

/** Sum of VmRSS (KiB) of the marked processes. */
function rssOfMarked(mark: string): number {
  let kib = 0;
  for (const pid of markedPids(mark)) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1] ?? 0);
    } catch {
      // exited between the scan and the read
    }
  }
  return kib;
}
