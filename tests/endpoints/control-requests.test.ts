/** The server control requests against real loopback servers: URLs, retries, partial starts, stops. */
import { afterAll, describe, expect, test } from "bun:test";
import { controlHeaders, controlUrls, resetKvCache, startProfiler, stopProfiler } from "../../src/endpoints/control-requests.ts";

type Hit = { origin: string; path: string; body: string; auth: string | null };
const hits: Hit[] = [];
/** Answers each path with the next status of its script (then 200); records every POST. */
function server(script: Record<string, number[]>) {
  const s = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      hits.push({ origin: url.origin, path: url.pathname, body: await req.text(), auth: req.headers.get("authorization") });
      const status = script[url.pathname]?.shift() ?? 200;
      return new Response(status === 200 ? null : "busy", { status });
    },
  });
  return { url: `http://127.0.0.1:${s.port}`, stop: () => s.stop(true) };
}
const servers: { stop(): void }[] = [];
afterAll(() => {
  for (const s of servers) s.stop();
});
const make = (script: Record<string, number[]> = {}) => {
  const s = server(script);
  servers.push(s);
  return s.url;
};
const calls = (urls: string[]) => ({ urls, headers: controlHeaders("k", [["X-Extra", "1"]]), timeoutSec: 5 });

describe("control requests", () => {
  test("one URL per distinct origin of --url, with or without a scheme", () => {
    expect(controlUrls(["http://h:8000/v1", "h:8000", "https://g/x?y=1"], "/reset_prefix_cache")).toEqual([
      "http://h:8000/reset_prefix_cache",
      "https://g/reset_prefix_cache",
    ]);
  });

  test("a reset is an empty POST with the run's credentials; a busy 503 is retried, a 404 is not", async () => {
    const a = make({ "/reset_prefix_cache": [503] });
    hits.length = 0;
    await resetKvCache(calls([`${a}/reset_prefix_cache`]));
    expect(hits.map((h) => [h.path, h.body, h.auth])).toEqual([
      ["/reset_prefix_cache", "", "Bearer k"],
      ["/reset_prefix_cache", "", "Bearer k"],
    ]);
    hits.length = 0;
    const b = make({ "/gone": [404] });
    await expect(resetKvCache(calls([`${b}/gone`]))).rejects.toThrow(`POST ${b}/gone answered 404: busy`);
    expect(hits.filter((h) => h.path === "/gone")).toHaveLength(1);
  });

  test("a reset retries a server that is not listening yet, within its budget", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null) });
    const port = probe.port;
    probe.stop(true);
    let late: ReturnType<typeof Bun.serve> | undefined;
    const timer = setTimeout(() => (late = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response(null) })), 500);
    try {
      await resetKvCache(calls([`http://127.0.0.1:${port}/reset_prefix_cache`]), 10);
      expect(late).toBeDefined();
    } finally {
      clearTimeout(timer);
      late?.stop(true);
    }
    await expect(resetKvCache(calls([`http://127.0.0.1:${port}/reset_prefix_cache`]), 0)).rejects.toThrow(
      `POST http://127.0.0.1:${port}/reset_prefix_cache failed`,
    );
  });

  test("a failed start stops the servers already started, last first, and rethrows", async () => {
    const a = make();
    const b = make();
    const c = make({ "/start_profile": [500] });
    hits.length = 0;
    const warned: string[] = [];
    const start = calls([a, b, c].map((u) => `${u}/start_profile`));
    const stop = calls([a, b, c].map((u) => `${u}/stop_profile`));
    await expect(startProfiler(start, stop, (m) => warned.push(m))).rejects.toThrow(`POST ${c}/start_profile answered 500`);
    expect(hits.map((h) => `${h.origin}${h.path}`)).toEqual([
      `${a}/start_profile`,
      `${b}/start_profile`,
      `${c}/start_profile`,
      `${b}/stop_profile`,
      `${a}/stop_profile`,
    ]);
    expect(warned).toEqual([]);
  });

  test("a stop tries every server and names each failure", async () => {
    const a = make({ "/stop_profile": [500] });
    const b = make();
    hits.length = 0;
    await expect(stopProfiler(calls([`${a}/stop_profile`, `${b}/stop_profile`]))).rejects.toThrow(`POST ${a}/stop_profile answered 500: busy`);
    expect(hits.map((h) => h.origin)).toEqual([a, b]);
  });
});
