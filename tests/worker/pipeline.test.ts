/**
 * Worker and record processor roles in one process, against a local SSE server: credits go in on
 * a test ROUTER, parsed records come out on a test PULL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusSocket, createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { monoNs } from "../../src/core/clock.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { type Credit, type CreditReturn, decodeJson, encodeJson } from "../../src/protocol/pipeline.ts";
import { decodeRecordBatch } from "../../src/protocol/record-batch.ts";
import type { ProcessorStats } from "../../src/protocol/record-processor-config.ts";
import type { WorkerStats } from "../../src/protocol/worker-config.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { runRecordProcessor } from "../../src/services/record-processor/index.ts";
import { run as runWorker } from "../../src/services/worker/index.ts";
import { type FakeService, fakeService } from "./fake-context.ts";
import { body, closedPort, startServer, type TestServer } from "./support.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-worker-"));
const datasetPath = join(dir, "dataset.bin");
const CONV = { stream: 0, error: 1, hang: 2, json: 3 } as const;
writeDatasetFile(datasetPath, [
  { id: "stream", turns: [{ body: body({ mode: "stream", n: 6, gapMs: 8 }), inputTokens: 11 }] },
  { id: "error", turns: [{ body: body({ mode: "error500" }), inputTokens: 12 }] },
  { id: "hang", turns: [{ body: body({ mode: "hang" }), inputTokens: 13 }] },
  { id: "json", turns: [{ body: body({ mode: "json" }), inputTokens: null }] },
]);

let srv: TestServer;
let router: BusSocket;
let recordsPull: BusSocket;
let processor: FakeService<"record-processor">;
let workers: FakeService<"worker">[];
const running: Promise<void>[] = [];
const returns: CreditReturn[] = [];
const records = new Map<string, RequestRecord>();
const processorIds = new Set<string>();

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await Bun.sleep(5);
  }
}

let nextId = 1;
function sendCredit(worker: string, conversation: number, extra: Partial<Credit> = {}): string {
  const id = nextId++;
  const credit: Credit = {
    id,
    phase: "profiling",
    num: id - 1,
    conversation,
    turn: 0,
    intendedNs: monoNs(),
    cancelAfterNs: null,
    correlationId: `corr-${id}`,
    ...extra,
  };
  void router.send([worker, encodeJson(credit)]);
  return credit.correlationId;
}

async function recordFor(correlationId: string): Promise<RequestRecord> {
  await waitFor(() => records.has(correlationId));
  return records.get(correlationId) as RequestRecord;
}

beforeAll(async () => {
  srv = startServer();
  router = createSocket("ROUTER", { name: "test credits", routerMandatory: true });
  const creditsEndpoint = router.bind(`inproc://pipeline-test-credits-${process.pid}`);
  router.onMessage((msg: Message) => returns.push(decodeJson<CreditReturn>(msg[1])));
  recordsPull = createSocket("PULL", { name: "test records" });
  const recordsEndpoint = recordsPull.bind(`inproc://pipeline-test-records-${process.pid}`);
  recordsPull.onMessage((msg: Message) => {
    const batch = decodeRecordBatch(msg);
    processorIds.add(batch.processor);
    for (const r of batch.records) records.set(r.xCorrelationId, r);
  });

  processor = fakeService("record-processor", "0");
  running.push(runRecordProcessor(processor.ctx, () => whitespaceCounter));
  const { endpoint } = await processor.call<{ endpoint: string }>("bind");
  await processor.call("configure", { recordsEndpoint, datasetPath, endpointType: "chat", streaming: true, tokenizer: "whitespace" });

  const closed = await closedPort();
  workers = [fakeService("worker", "0"), fakeService("worker", "1"), fakeService("worker", "2")];
  for (const w of workers) running.push(runWorker(w.ctx));
  const common = {
    creditsEndpoint,
    processorEndpoints: [endpoint],
    datasetPath,
    endpointPath: "/v1/chat/completions",
    streaming: true,
    headers: [["X-Test", "yes"]],
    requestTimeoutSeconds: 10,
  };
  await workers[0]?.call("configure", { ...common, urls: [srv.url], apiKey: "sk-test" });
  // Worker 1 talks to a port nothing listens on (no scheme: upstream prepends http://).
  await workers[1]?.call("configure", { ...common, urls: [`127.0.0.1:${closed}`] });
  // A timeout longer than a timer can hold (24.8 days): Bun would fire such a timer at once.
  await workers[2]?.call("configure", { ...common, urls: [srv.url], requestTimeoutSeconds: 30 * 24 * 3600 });
});

afterAll(async () => {
  for (const w of workers ?? []) w.stop();
  processor?.stop();
  await Promise.all(running);
  router?.close();
  recordsPull?.close();
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("worker → record processor", () => {
  test("credits that arrive a few milliseconds ahead (timing's lead) are sent at their time, never before", async () => {
    const intended = [2e6, 2.5e6, 1.2e6, 0.3e6].map((ahead) => monoNs() + ahead);
    const ids = intended.map((intendedNs) => sendCredit("worker:0", CONV.stream, { intendedNs }));
    const records = await Promise.all(ids.map((id) => recordFor(id)));
    records.forEach((r, i) => {
      expect(r.error).toBeNull();
      expect(r.startNs).toBeGreaterThanOrEqual(intended[i] as number);
    });
  });

  test("a streamed chat request: sent on time, every content chunk stamped in order, tokens counted", async () => {
    const intendedNs = monoNs() + 20e6;
    const cid = sendCredit("worker:0", CONV.stream, { intendedNs });
    const r = await recordFor(cid);
    expect(r.error).toBeNull();
    // Never early (how close to on time is checked in request-parts.test.ts).
    expect(r.startNs).toBeGreaterThanOrEqual(intendedNs);
    // Role-only, usage-only and [DONE] chunks are dropped: six content chunks remain.
    expect(r.responseNs.length).toBe(6);
    const times = [r.startNs, r.ackNs as number, ...r.responseNs];
    for (let i = 1; i < times.length; i++) expect(times[i] as number).toBeGreaterThanOrEqual(times[i - 1] as number);
    expect(r.endNs).toBe(r.responseNs.at(-1) as number);
    // The server paces content 8 ms apart; the last content cannot arrive before 48 ms.
    expect(r.endNs - (r.ackNs as number)).toBeGreaterThan(40e6);
    expect([r.outputTokens, r.reasoningTokens, r.inputTokens]).toEqual([6, null, 11]);
    expect([r.conversationId, r.turnIndex, r.workerId, r.recordProcessorId, r.phase]).toEqual(["stream", 0, "worker:0", "record-processor:0", "profiling"]);
    expect(r.wallStartNs).toBeGreaterThan(1.6e18);
    expect(r.xRequestId).toMatch(/^[0-9a-f-]{36}$/);
    const h = srv.lastHeaders();
    expect([h?.get("x-correlation-id"), h?.get("x-request-id"), h?.get("authorization"), h?.get("x-test")]).toEqual([
      cid,
      r.xRequestId,
      "Bearer sk-test",
      "yes",
    ]);
    expect(h?.get("user-agent")).toMatch(/^aiperf\//);
  });

  test("a 500 is an error record with the status, reason phrase and body", async () => {
    const r = await recordFor(sendCredit("worker:0", CONV.error));
    expect(r.error).toEqual({ code: 500, type: "Internal Server Error", message: "boom" });
    expect([r.inputTokens, r.outputTokens, r.wasCancelled]).toEqual([12, null, false]);
  });

  test("a JSON reply to a streaming request is one response", async () => {
    const r = await recordFor(sendCredit("worker:0", CONV.json));
    expect(r.error).toBeNull();
    expect(r.responseNs.length).toBe(1);
    expect([r.outputTokens, r.inputTokens]).toEqual([4, null]);
  });

  test("a request timeout of 30 days does not time the request out at once", async () => {
    const r = await recordFor(sendCredit("worker:2", CONV.stream));
    expect([r.error, r.responseNs.length]).toEqual([null, 6]);
  });

  test("a refused connection is an error record", async () => {
    const r = await recordFor(sendCredit("worker:1", CONV.stream));
    expect(r.error).toMatchObject({ code: null, type: "ECONNREFUSED" });
    expect(r.ackNs).toBeNull();
    expect(r.workerId).toBe("worker:1");
  });

  test("cancel-after aborts the request: 499 RequestCancellationError, was_cancelled", async () => {
    const r = await recordFor(sendCredit("worker:0", CONV.hang, { cancelAfterNs: 100e6 }));
    expect(r.error).toEqual({ code: 499, type: "RequestCancellationError", message: "Request was cancelled after 0.100 seconds" });
    expect(r.wasCancelled).toBe(true);
    expect((r.cancellationNs as number) - r.startNs).toBeGreaterThanOrEqual(99e6);
    expect(r.endNs).toBeGreaterThanOrEqual(r.cancellationNs as number);
  });

  test("a cancel-after longer than the request changes nothing", async () => {
    const r = await recordFor(sendCredit("worker:0", CONV.json, { cancelAfterNs: 5e9 }));
    expect([r.error, r.wasCancelled, r.cancellationNs]).toEqual([null, false, null]);
  });

  test("every credit is returned by the worker that took it, after its record", async () => {
    await waitFor(() => returns.length >= nextId - 1);
    expect(returns.map((r) => r.id).sort((a, b) => a - b)).toEqual(Array.from({ length: nextId - 1 }, (_, i) => i + 1));
    expect(returns.find((r) => r.worker === "worker:1")).toBeDefined();
    const w0 = await workers[0]?.call<WorkerStats>("stats");
    expect(w0).toMatchObject({ inFlight: 0, cancelled: 1 });
    expect(w0?.completed).toBe(w0?.credits);
    const p = await processor.call<ProcessorStats>("stats");
    expect(p.raw).toBe(p.records);
    expect(p.errors).toBe(3);
    expect([...processorIds]).toEqual(["record-processor:0"]);
  });

  test("many concurrent requests: one record and one return each, batched", async () => {
    const before = returns.length;
    const ids = Array.from({ length: 100 }, () => sendCredit("worker:0", CONV.json));
    await waitFor(() => ids.every((id) => records.has(id)) && returns.length >= before + 100, 15_000);
    for (const id of ids) expect(records.get(id)?.error).toBeNull();
    const stats = await workers[0]?.call<WorkerStats>("stats");
    // Far fewer messages than records: batching works.
    expect(stats?.batches).toBeLessThan(stats?.completed as number);
  });

  test("shutdown aborts what is in flight and still delivers its record", async () => {
    const cid = sendCredit("worker:0", CONV.hang);
    await waitFor(() => srv.lastHeaders() !== undefined && (srv.lastHeaders()?.get("x-correlation-id") ?? "") === cid);
    workers[0]?.stop();
    const r = await recordFor(cid);
    expect(r.error).toMatchObject({ type: "ServiceShutdown" });
  });
});
