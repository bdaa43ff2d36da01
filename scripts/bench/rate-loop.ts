/**
 * The transport's own CPU per non-streamed request, in one process: closed loops of C requests in
 * flight against the mock server (its own process, whole replies at once, bench:rate's load), one
 * side at a time, alternating in every round:
 *  - lean: the least Bun allows: C `Bun.connect` sockets, one prebuilt request written per reply,
 *    the reply framed by its Content-Length (as the mock spells it) and nothing else (the floor for any client on Bun);
 *  - raw / fetch: the worker's capture functions (raw-capture.ts, http-capture.ts) with what the
 *    worker builds per request around them (headers, an AbortController, a request id);
 *  - raw-before / fetch-before (with --before-src DIR, a `src/` tree of another commit, e.g.
 *    `git archive 511ad29 src | tar -x -C DIR/..`): the same from that tree.
 *
 *   bun scripts/bench/rate-loop.ts [--requests 20000] [--concurrency 16] [--rounds 3] [--before-src DIR] [--sides lean,raw,…]
 *
 * CPU is this process's (process.cpuUsage, user + system) over --requests after a warm-up of a
 * fifth as many; the server's CPU per request is printed beside it. One JSON line per side and
 * round, then the medians.
 */
import type { Socket } from "bun";
import { resolve } from "node:path";
import { planHeaders, requestHeaders } from "../../src/endpoints/headers.ts";
import type { CaptureFn } from "../../src/endpoints/transport.ts";
import { requestBody } from "../../src/services/dataset/request-body.ts";
import { arg, MODEL, numArg, procCpuSeconds, prompt, round, say, startServerProcess, uptimeLoad } from "./support.ts";

const requests = numArg("requests", 20000);
const concurrency = numArg("concurrency", 16);
const rounds = numArg("rounds", 3);
const beforeSrc = arg("before-src", "");

type Loop = (url: string, n: number) => Promise<void>;

const body = new TextEncoder().encode(
  JSON.stringify(requestBody({ model: MODEL, texts: [prompt(64)], maxTokens: 16 }, { endpointType: "chat", streaming: false, extraInputs: [] })),
);
const plan = planHeaders({ streaming: false, headers: [], endpointType: "chat" });

/** C async loops over a capture function, with the worker's per-request wrapping. */
function captureLoop(fn: CaptureFn): Loop {
  return async (url, n) => {
    let left = n;
    const one = async (): Promise<void> => {
      while (left-- > 0) {
        const ctl = new AbortController();
        const headers = requestHeaders(plan, crypto.randomUUID(), "c");
        const c = await fn({ url, headers, body, maxBytes: 0, fresh: false }, ctl.signal);
        if (c.error !== null || c.status !== 200) throw new Error(`request failed: ${c.status} ${c.error?.message}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, one));
  };
}

/** C sockets, a prebuilt request, replies framed by content-length (the mock sends one). */
const lean: Loop = async (url, n) => {
  const u = new URL(url);
  const head = `POST ${u.pathname} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: ${body.byteLength}\r\n\r\n`;
  const req = Buffer.concat([Buffer.from(head, "latin1"), body]);
  let left = n;
  let open = concurrency;
  await new Promise<void>((done, fail) => {
    type S = { need: number; got: number };
    const send = (s: Socket<S>): void => {
      if (left-- <= 0) {
        s.end();
        if (--open === 0) done();
        return;
      }
      s.data.need = -1;
      s.data.got = 0;
      s.write(req);
    };
    for (let i = 0; i < concurrency; i++) {
      void Bun.connect<S>({
        hostname: u.hostname,
        port: Number(u.port),
        data: { need: -1, got: 0 },
        socket: {
          open: (s) => send(s),
          data(s, bytes) {
            const st = s.data;
            if (st.need < 0) {
              const end = bytes.indexOf("\r\n\r\n");
              const at = bytes.indexOf("Content-Length: ");
              if (end < 0 || at < 0) return fail(new Error("lean client: reply head not in one read"));
              st.need = end + 4 + Number.parseInt(bytes.toString("latin1", at + 16, bytes.indexOf("\r", at)), 10);
            }
            st.got += bytes.length;
            if (st.got >= st.need) send(s);
          },
          error: (_s, e) => fail(e),
        },
      }).catch(fail);
    }
  });
};

async function sides(): Promise<Map<string, Loop>> {
  const { rawCapture } = await import("../../src/services/worker/raw-capture.ts");
  const { capture } = await import("../../src/services/worker/http-capture.ts");
  const out = new Map<string, Loop>([
    ["lean", lean],
    ["raw", captureLoop(rawCapture)],
    ["fetch", captureLoop(capture)],
  ]);
  if (beforeSrc !== "") {
    const dir = resolve(beforeSrc);
    out.set("raw-before", captureLoop((await import(`${dir}/services/worker/raw-capture.ts`)).rawCapture));
    out.set("fetch-before", captureLoop((await import(`${dir}/services/worker/http-capture.ts`)).capture));
  }
  return out;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const server = await startServerProcess({ ttft: 0, itl: 0, osl: 16 });
const url = `${server.url}/v1/chat/completions`;
try {
  const loops = await sides();
  const only = arg("sides", "").split(",").filter(Boolean);
  const names = [...loops.keys()].filter((n) => only.length === 0 || only.includes(n));
  const results = new Map<string, number[]>(names.map((n) => [n, []]));
  say({ bench: "rate-loop", requests, concurrency, loadavg: uptimeLoad(), sides: names });
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so the box's drift falls on every side alike.
    for (const name of names.map((_, i) => names[(i + r) % names.length] as string)) {
      const loop = loops.get(name) as Loop;
      await loop(url, Math.ceil(requests / 5));
      Bun.gc(true);
      const [c0, s0, t0] = [cpuMs(), procCpuSeconds(server.pid), performance.now()];
      await loop(url, requests);
      const [c1, s1, t1] = [cpuMs(), procCpuSeconds(server.pid), performance.now()];
      const us = ((c1 - c0) * 1000) / requests;
      results.get(name)?.push(us);
      say({
        bench: "rate-loop",
        round: r + 1,
        side: name,
        client_us_per_request: round(us, 2),
        server_us_per_request: round(((s1 - s0) * 1e6) / requests, 1),
        rps: round(requests / ((t1 - t0) / 1000), 0),
      });
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  };
  const med: Record<string, number> = {};
  for (const [name, xs] of results) med[name] = round(median(xs), 2);
  say({ bench: "rate-loop", side: "summary", client_us_per_request_median: med, loadavg: uptimeLoad() });
} finally {
  await server.stop();
}
