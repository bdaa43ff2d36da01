/**
 * Issue 12 items 4, 5, 9, 10 on the compiled binary: replies that stall the record processor,
 * bloat memory, die on a stale keep-alive connection, or carry errors inside a 200 stream. Each
 * scenario counts what the server received against the records written, and checks the exit
 * code, the time to stop and that no process is left running.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary, readExport, readRecords } from "../e2e/support.ts";
import { chunkEvent, type FaultRun, type FaultServer, letters, runMarked, serveReplies, staleKeepAliveServer, streamed } from "./replies-support.ts";

const SSE = "text/event-stream";
const STREAM_FLAGS = ["--endpoint-type", "chat", "--streaming", "--request-count", "2", "--concurrency", "1"];

type ErrorRow = { error_details: { code: number | null; type: string; message: string }; count: number };
const errorsOf = (dir: string): ErrorRow[] => (readExport(dir).error_summary ?? []) as ErrorRow[];
const validCount = (dir: string): number => (readExport(dir).request_count?.avg as number | undefined) ?? 0;

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

beforeAll(ensureBinary, 120_000);

/** What every scenario checks: the run ended by itself, promptly, and left nothing behind. */
function expectClean(run: FaultRun, maxSeconds: number): void {
  expect(run.leftOver).toEqual([]);
  expect(run.seconds).toBeLessThan(maxSeconds);
}

describe("long replies do not stall the record processor (item 4)", () => {
  const cases: [string, () => Iterable<string>][] = [
    ["a 1 MB SSE line without spaces", () => [chunkEvent(letters(1 << 20)), "data: [DONE]\n\n"]],
    ["a 10 MB SSE line without spaces", () => [chunkEvent(letters(10 << 20)), "data: [DONE]\n\n"]],
    ["300 KB of one repeated character in small chunks", () => [...Array.from({ length: 4800 }, () => chunkEvent("x".repeat(64))), "data: [DONE]\n\n"]],
  ];
  for (const [name, body] of cases) {
    test(name, async () => {
      server = serveReplies(() => streamed(body(), SSE));
      const run = await runMarked(server.url, STREAM_FLAGS);
      expect(run.code, run.out).toBe(0);
      expect(server.received()).toBe(2);
      const lines = readRecords(run.dir);
      expect(lines.length).toBe(2);
      for (const line of lines) expect(line.error).toBeNull();
      expect(validCount(run.dir)).toBe(2);
      expect(errorsOf(run.dir)).toEqual([]);
      expect(run.out).not.toContain("Finalizing with");
      expectClean(run, 90);
    }, 150_000);
  }
});

describe("errors and garbage inside 200 streams (item 10)", () => {
  test("an error event mid-stream is an error record; invalid JSON lines are counted and warned about", async () => {
    const error = `data: ${JSON.stringify({ error: { message: "model overloaded", code: 503 } })}\n\n`;
    server = serveReplies((n) =>
      n % 2 === 1
        ? streamed([chunkEvent("Hello"), error, chunkEvent(" world"), "data: [DONE]\n\n"], SSE)
        : streamed([chunkEvent("Hello"), "data: {not json\n\n", 'data: {"choices": [\n\ndata: oops\n\n', chunkEvent(" world"), "data: [DONE]\n\n"], SSE),
    );
    const run = await runMarked(server.url, ["--endpoint-type", "chat", "--streaming", "--request-count", "4", "--concurrency", "1"]);
    expect(run.code, run.out).toBe(0);
    expect(server.received()).toBe(4);
    const lines = readRecords(run.dir);
    expect(lines.length).toBe(4);
    const failed = lines.filter((l) => l.error !== null);
    expect(failed.map((l) => l.error)).toEqual([
      { code: 503, type: "SSEResponseError", message: "Error occurred in SSE response: model overloaded" },
      { code: 503, type: "SSEResponseError", message: "Error occurred in SSE response: model overloaded" },
    ]);
    const valid = lines.filter((l) => l.error === null);
    expect(valid.map((l) => l.invalid_sse_lines)).toEqual([3, 3]);
    expect(validCount(run.dir)).toBe(2);
    expect(errorsOf(run.dir).map((e) => [e.error_details.type, e.count])).toEqual([["SSEResponseError", 2]]);
    expect(readExport(run.dir).reply_anomalies).toEqual({ invalid_sse_lines: 6, records_with_invalid_sse_lines: 2, retried_requests: 0 });
    expect(run.out).toContain("6 SSE data line(s) in 2 otherwise valid replies were not valid JSON");
    expectClean(run, 60);
  }, 120_000);
});

describe("reply bodies are bounded (item 5)", () => {
  test("a 100 MB non-streaming body is cut off at --max-response-bytes' default: an error record saying so, memory bounded", async () => {
    const mib = new Uint8Array(1 << 20).fill(0x61);
    const small = JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "fine" } }] });
    server = serveReplies((n) =>
      n === 1
        ? streamed(
            (function* () {
              yield '{"object":"chat.completion","choices":[{"index":0,"message":{"content":"';
              for (let i = 0; i < 100; i++) yield mib;
              yield '"}}]}';
            })(),
            "application/json",
          )
        : new Response(small, { headers: { "content-type": "application/json" } }),
    );
    const run = await runMarked(server.url, ["--endpoint-type", "chat", "--request-count", "2", "--concurrency", "1"]);
    expect(run.code, run.out).toBe(0);
    expect(server.received()).toBe(2);
    const lines = readRecords(run.dir);
    expect(lines.length).toBe(2);
    const failed = lines.filter((l) => l.error !== null);
    expect(failed.length).toBe(1);
    expect(failed[0].error.type).toBe("ResponseTooLarge");
    expect(failed[0].error.message).toContain("--max-response-bytes (67108864 bytes)");
    expect(validCount(run.dir)).toBe(1);
    // Six processes of a ~100 MB binary plus one 64 MiB body; the unbounded read took 2.1 GB.
    console.log(`peak RSS of the run: ${run.peakRssMb.toFixed(0)} MB`);
    expect(run.peakRssMb).toBeLessThan(1200);
    expectClean(run, 60);
  }, 120_000);

  test("--max-response-bytes sets the bound", async () => {
    server = serveReplies(() => streamed([chunkEvent("x".repeat(4000)), "data: [DONE]\n\n"], SSE));
    const run = await runMarked(server.url, [...STREAM_FLAGS, "--max-response-bytes", "1000"]);
    // Every request failed: exit 1, and the message names the limit that was set.
    expect(run.code, run.out).toBe(1);
    expect(server.received()).toBe(2);
    const lines = readRecords(run.dir);
    expect(lines.map((l) => l.error?.type)).toEqual(["ResponseTooLarge", "ResponseTooLarge"]);
    expect(lines[0].error.message).toContain("--max-response-bytes (1000 bytes)");
    expectClean(run, 60);
  }, 120_000);
});

describe("stale keep-alive connections (item 9)", () => {
  test("a request that dies on a reused idle connection before any reply is sent once more on a fresh one, and counted apart", async () => {
    const stale = staleKeepAliveServer(150);
    server = stale;
    // One worker, one request every 400 ms: each finds the connection of the one before it idle too long.
    const run = await runMarked(stale.url, [
      "--endpoint-type",
      "chat",
      "--request-rate",
      "2.5",
      "--arrival-pattern",
      "constant",
      "--request-count",
      "8",
      "--concurrency",
      "1",
      "--workers-max",
      "1",
    ]);
    expect(run.code, run.out).toBe(0);
    expect(stale.received()).toBe(8);
    expect(stale.dropped()).toBeGreaterThan(0);
    const lines = readRecords(run.dir);
    expect(lines.length).toBe(8);
    expect(lines.filter((l) => l.error !== null)).toEqual([]);
    expect(errorsOf(run.dir)).toEqual([]);
    const retried = lines.filter((l) => l.retry !== undefined);
    // Every request the server dropped was sent again, and only those.
    expect(retried.length).toBe(stale.dropped());
    for (const l of retried) {
      expect(l.retry.first_attempt_error.type).toBe("ECONNRESET");
      // The record's times are the second attempt's.
      expect(l.metadata.request_start_ns).toBeGreaterThan(l.retry.first_attempt_start_ns);
    }
    expect(readExport(run.dir).reply_anomalies).toEqual({ invalid_sse_lines: 0, records_with_invalid_sse_lines: 0, retried_requests: stale.dropped() });
    expect(run.out).toContain("failed on a reused keep-alive connection before any reply and were sent again");
    expectClean(run, 60);
  }, 120_000);

  test("a server that resets every request before answering is not sent anything twice", async () => {
    // Idle limit below zero: every request is dropped, so no connection was ever known good.
    const resetting = staleKeepAliveServer(-1);
    server = resetting;
    const run = await runMarked(resetting.url, ["--endpoint-type", "chat", "--request-count", "2", "--concurrency", "1", "--workers-max", "1"]);
    expect(run.code, run.out).toBe(1);
    expect(resetting.dropped()).toBe(2);
    expect(resetting.received()).toBe(0);
    const lines = readRecords(run.dir);
    expect(lines.map((l) => l.error?.type)).toEqual(["ECONNRESET", "ECONNRESET"]);
    expect(lines.filter((l) => l.retry !== undefined)).toEqual([]);
    expectClean(run, 60);
  }, 120_000);
});
